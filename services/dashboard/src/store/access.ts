import { ref } from 'vue';
import { FlowcastHttpError } from '@flowcast/client';

/**
 * The credentials this tab uses where the deployment asks for them: the gateway's Socket.IO
 * token (SOCKET_AUTH_SECRET) and the producer's API key (API_KEYS). Kept in sessionStorage: they
 * last as long as the tab, and never leave the browser but in requests to Flowcast.
 */
const TOKEN = 'flowcast.token';
const API_KEY = 'flowcast.apiKey';

function stored(name: string): string | undefined {
  try {
    return sessionStorage.getItem(name) ?? undefined;
  } catch {
    return undefined;
  }
}

function store(name: string, value: string | undefined): void {
  try {
    if (value === undefined || value === '') sessionStorage.removeItem(name);
    else sessionStorage.setItem(name, value);
  } catch {
    // Storage refused (private mode): the value lives in memory only.
  }
}

/**
 * A token handed over in the page's fragment (`/#token=…`, which browsers never send to a
 * server) is taken once and removed from the address bar, so that it is not bookmarked.
 */
function tokenFromFragment(): string | undefined {
  const token = new URLSearchParams(location.hash.slice(1)).get('token') ?? undefined;
  if (token !== undefined) history.replaceState(null, '', location.pathname + location.search);
  return token;
}

export const access = {
  token: tokenFromFragment() ?? stored(TOKEN),
  apiKey: stored(API_KEY),
};
store(TOKEN, access.token);

/** Set when the producer refused this tab's API key (or its lack of one). */
export const apiKeyRefused = ref(false);

export function saveAccess(token: string | undefined, apiKey: string | undefined): void {
  access.token = token === '' ? undefined : token;
  access.apiKey = apiKey === '' ? undefined : apiKey;
  store(TOKEN, access.token);
  store(API_KEY, access.apiKey);
  apiKeyRefused.value = false;
}

/** Notes a 401 from the producer, so that the access panel shows itself. */
export function noteRefusal(error: unknown): void {
  if (error instanceof FlowcastHttpError && error.status === 401) apiKeyRefused.value = true;
}
