import { shallowRef } from 'vue';

export type ToastKind = 'error' | 'success' | 'info';
export interface Toast {
  id: number;
  kind: ToastKind;
  title: string;
  detail: string;
}

const VISIBLE = 4;
const LIFETIME_MS = { error: 8_000, success: 4_000, info: 4_000 } as const;

/** A short stack of notices; the oldest go first when it is full. */
export const toasts = shallowRef<Toast[]>([]);
let next = 1;

export function toast(kind: ToastKind, title: string, detail = ''): void {
  const id = next++;
  toasts.value = [...toasts.value, { id, kind, title, detail }].slice(-VISIBLE);
  setTimeout(() => dismiss(id), LIFETIME_MS[kind]);
}

export function dismiss(id: number): void {
  toasts.value = toasts.value.filter((entry) => entry.id !== id);
}
