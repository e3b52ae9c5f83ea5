/**
 * Applies a batch of lifecycle events to the Redis status view, atomically, in order; the same
 * rules as MemoryStatusView#applyOne (the status-view contract tests run both). Returns, per
 * event, 1 when it was new, 2 when it was recorded by an earlier `apply` whose broadcast was
 * never confirmed (broadcast it), 0 for a duplicate. `seen:<type>` holds the token of the
 * `apply` that recorded the step, then `sent` (CONFIRM_BROADCAST_SCRIPT). Given a stream (its
 * maximum length and each event's entry), the script appends the entry to it whenever it
 * returns 1 or 2 and marks the step `sent` at once: recorded and published in one step.
 *
 * One script per batch, not per event: each call costs Redis a command to parse and a Lua
 * call to set up, and the counters are summed over the batch and written once. A log's fields
 * are written by one HSET.
 */
export const APPLY_EVENTS_SCRIPT = `
-- KEYS: stats hash, the cluster adapter's stream (a placeholder key when none), then per
--       event: log hash, log history list, upload hash (a placeholder key when none)
-- ARGV: ttlSeconds, applyToken, streamMaxLen|'', then per event fourteen values: type, logId,
--       timestamp, consumerId, dataType, uploadId|'', rowCount, producedAt, error|'',
--       errorCode|'', batchCount|'', uploadRowCount|'', historyEntryJson, the number of its
--       stream entry's fields and values; then those
local stats, stream = KEYS[1], KEYS[2]
local ttl, token, streamMaxLen = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local publishing = streamMaxLen ~= ''
local recordedAs = publishing and 'sent' or token
local NEXT_STATUS = {
  ['message-received'] = 'RECEIVED',
  ['processing-started'] = 'PROCESSING',
  ['processing-completed'] = 'PROCESSED',
  ['processing-failed'] = 'FAILED',
}
local RANK = { RECEIVED = 1, PROCESSING = 2, PROCESSED = 3, FAILED = 3 }
local function append(list, ...)
  for index = 1, select('#', ...) do list[#list + 1] = select(index, ...) end
end

-- The step is broadcast: with a stream, by appending its entry (ARGV[from..to]) as the adapter publishes.
local function publish(from, to)
  if not publishing then return end
  local entry = { stream, 'MAXLEN', '~', streamMaxLen, '*' }
  for index = from, to do entry[#entry + 1] = ARGV[index] end
  redis.call('XADD', unpack(entry))
end

local counted = { totalMessages = 0, processingMessages = 0, processedMessages = 0, failedMessages = 0 }
local results = {}
local key, arg = 3, 4

while arg <= #ARGV do
  local log, history, upload = KEYS[key], KEYS[key + 1], KEYS[key + 2]
  local kind, logId, at, consumer = ARGV[arg], ARGV[arg + 1], ARGV[arg + 2], ARGV[arg + 3]
  local dataType, uploadId, rows, producedAt = ARGV[arg + 4], ARGV[arg + 5], tonumber(ARGV[arg + 6]), ARGV[arg + 7]
  local entryFrom, entryTo = arg + 14, arg + 13 + tonumber(ARGV[arg + 13])
  local hasUpload = uploadId ~= ''

  local current = redis.call('HMGET', log, 'seen:' .. kind, 'status')
  local seen, status = current[1], current[2]
  local result = 0
  if seen then
    if seen ~= 'sent' and seen ~= token then
      redis.call('HSET', log, 'seen:' .. kind, recordedAs)
      publish(entryFrom, entryTo)
      result = 2
    end
  elseif status ~= 'PROCESSED' and status ~= 'FAILED' then
    local fields = { 'seen:' .. kind, recordedAs, 'updatedAt', at }
    local recorded = status
    if not status then
      status = 'RECEIVED'
      append(fields, 'logId', logId, 'dataType', dataType, 'rowCount', rows, 'acceptedAt', producedAt)
      if hasUpload then
        append(fields, 'uploadId', uploadId)
        redis.call('HINCRBY', upload, 'receivedBatches', 1)
        redis.call('HINCRBY', upload, 'receivedRows', rows)
      end
      counted.totalMessages = counted.totalMessages + 1
      counted.processingMessages = counted.processingMessages + 1
    end
    if RANK[NEXT_STATUS[kind]] > RANK[status] then status = NEXT_STATUS[kind] end
    if status ~= recorded then append(fields, 'status', status) end

    local uploadFields = { 'updatedAt', at }
    if kind == 'message-received' then
      if hasUpload and ARGV[arg + 10] ~= '' then
        uploadFields = { 'updatedAt', at, 'totalBatches', ARGV[arg + 10], 'totalRows', ARGV[arg + 11] }
      end
    elseif kind == 'processing-completed' or kind == 'processing-failed' then
      local outcome = kind == 'processing-completed' and 'processed' or 'failed'
      append(fields, 'consumerId', consumer)
      if outcome == 'failed' then append(fields, 'error', ARGV[arg + 8], 'errorCode', ARGV[arg + 9]) end
      counted.processingMessages = counted.processingMessages - 1
      counted[outcome .. 'Messages'] = counted[outcome .. 'Messages'] + 1
      if hasUpload then
        redis.call('HINCRBY', upload, outcome .. 'Batches', 1)
        redis.call('HINCRBY', upload, outcome .. 'Rows', rows)
      end
    end

    redis.call('HSET', log, unpack(fields))
    redis.call('RPUSH', history, ARGV[arg + 12])
    redis.call('EXPIRE', log, ttl)
    redis.call('EXPIRE', history, ttl)
    if hasUpload then
      redis.call('HSET', upload, unpack(uploadFields))
      redis.call('EXPIRE', upload, ttl)
    end
    publish(entryFrom, entryTo)
    result = 1
  end
  results[#results + 1] = result
  key, arg = key + 3, entryTo + 1
end

for _, field in ipairs({ 'totalMessages', 'processingMessages', 'processedMessages', 'failedMessages' }) do
  if counted[field] ~= 0 then redis.call('HINCRBY', stats, field, counted[field]) end
end
return results
`;

/** Marks a step broadcast (KEYS: log hash; ARGV: type), unless the log has expired meanwhile. */
export const CONFIRM_BROADCAST_SCRIPT = `
if redis.call('HEXISTS', KEYS[1], 'seen:' .. ARGV[1]) == 1 then redis.call('HSET', KEYS[1], 'seen:' .. ARGV[1], 'sent') end
return 1
`;
