/**
 * Applies one lifecycle event to the Redis status view, atomically; the same rules as
 * MemoryStatusView#applyOne (the status-view contract tests run both). Returns 1 when the
 * event was new, 2 when it was recorded by an earlier `apply` whose broadcast was never
 * confirmed (broadcast it), 0 for a duplicate. `seen:<type>` holds the token of the `apply`
 * that recorded the step, then `sent` (CONFIRM_BROADCAST_SCRIPT). Given a stream (its maximum
 * length and the entry), the script appends the entry to it whenever it returns 1 or 2 and
 * marks the step `sent` at once: recorded and published in one step.
 */
export const APPLY_EVENT_SCRIPT = `
-- KEYS: log hash, log history list, stats hash, upload hash (a placeholder key when none),
--       the cluster adapter's stream (a placeholder key when none)
-- ARGV: type, logId, timestamp, consumerId, dataType, uploadId|'', rowCount, producedAt,
--       error|'', errorCode|'', ttlSeconds, batchCount|'', uploadRowCount|'', historyEntryJson,
--       applyToken, streamMaxLen|'', then the stream entry's fields and values
local log, history, stats, upload, stream = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local kind, logId, at, consumer = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local dataType, uploadId, rows, producedAt = ARGV[5], ARGV[6], tonumber(ARGV[7]), ARGV[8]
local ttl = tonumber(ARGV[11])
local token = ARGV[15]
local hasUpload = uploadId ~= ''
local streamMaxLen = ARGV[16]

-- The step is broadcast: with a stream, by appending it here, as the adapter publishes.
local function publish(result)
  if streamMaxLen == '' then return result end
  local entry = { stream, 'MAXLEN', '~', streamMaxLen, '*' }
  for index = 17, #ARGV do entry[#entry + 1] = ARGV[index] end
  redis.call('XADD', unpack(entry))
  redis.call('HSET', log, 'seen:' .. kind, 'sent')
  return result
end

local seen = redis.call('HGET', log, 'seen:' .. kind)
if seen then
  if seen == 'sent' or seen == token then return 0 end
  redis.call('HSET', log, 'seen:' .. kind, token)
  return publish(2)
end
local status = redis.call('HGET', log, 'status')
if status == 'PROCESSED' or status == 'FAILED' then return 0 end
redis.call('HSET', log, 'seen:' .. kind, token)

if not status then
  status = 'RECEIVED'
  redis.call('HSET', log, 'logId', logId, 'status', status, 'dataType', dataType, 'rowCount', rows, 'acceptedAt', producedAt)
  if hasUpload then redis.call('HSET', log, 'uploadId', uploadId) end
  redis.call('HINCRBY', stats, 'totalMessages', 1)
  redis.call('HINCRBY', stats, 'processingMessages', 1)
  if hasUpload then
    redis.call('HINCRBY', upload, 'receivedBatches', 1)
    redis.call('HINCRBY', upload, 'receivedRows', rows)
  end
end

local nextStatus = ({
  ['message-received'] = 'RECEIVED',
  ['processing-started'] = 'PROCESSING',
  ['processing-completed'] = 'PROCESSED',
  ['processing-failed'] = 'FAILED',
})[kind]
local rank = { RECEIVED = 1, PROCESSING = 2, PROCESSED = 3, FAILED = 3 }
if rank[nextStatus] > rank[status] then redis.call('HSET', log, 'status', nextStatus) end
redis.call('HSET', log, 'updatedAt', at)
redis.call('RPUSH', history, ARGV[14])

if kind == 'message-received' then
  if hasUpload and ARGV[12] ~= '' then
    redis.call('HSET', upload, 'totalBatches', ARGV[12], 'totalRows', ARGV[13])
  end
elseif kind == 'processing-completed' then
  redis.call('HSET', log, 'consumerId', consumer)
  redis.call('HINCRBY', stats, 'processingMessages', -1)
  redis.call('HINCRBY', stats, 'processedMessages', 1)
  if hasUpload then
    redis.call('HINCRBY', upload, 'processedBatches', 1)
    redis.call('HINCRBY', upload, 'processedRows', rows)
  end
elseif kind == 'processing-failed' then
  redis.call('HSET', log, 'consumerId', consumer, 'error', ARGV[9], 'errorCode', ARGV[10])
  redis.call('HINCRBY', stats, 'processingMessages', -1)
  redis.call('HINCRBY', stats, 'failedMessages', 1)
  if hasUpload then
    redis.call('HINCRBY', upload, 'failedBatches', 1)
    redis.call('HINCRBY', upload, 'failedRows', rows)
  end
end

redis.call('EXPIRE', log, ttl)
redis.call('EXPIRE', history, ttl)
if hasUpload then
  redis.call('HSET', upload, 'updatedAt', at)
  redis.call('EXPIRE', upload, ttl)
end
return publish(1)
`;

/** Marks a step broadcast (KEYS: log hash; ARGV: type), unless the log has expired meanwhile. */
export const CONFIRM_BROADCAST_SCRIPT = `
if redis.call('HEXISTS', KEYS[1], 'seen:' .. ARGV[1]) == 1 then redis.call('HSET', KEYS[1], 'seen:' .. ARGV[1], 'sent') end
return 1
`;
