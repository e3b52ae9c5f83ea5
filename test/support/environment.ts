/** Where the test suite finds its broker and Redis; scripts/test.sh starts both and sets these. */
export const testEnvironment = {
  kafkaBrokers: process.env['FLOWCAST_TEST_KAFKA_BROKERS'] ?? '127.0.0.1:19092',
  redisUrl: process.env['FLOWCAST_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:16379',
};

export const ROOT = new URL('../../../', import.meta.url).pathname;
