import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { histogramQuantile, RecentWindow } from './recent-window.js';

const INF = Number.POSITIVE_INFINITY;

describe('histogramQuantile', () => {
  it('interpolates inside the bucket where the quantile falls, as Prometheus does', () => {
    // 10 observations at most 0.1, 10 more between 0.1 and 0.5: the 95th is the 19th, in (0.1, 0.5].
    const buckets = [{ le: 0.1, count: 10 }, { le: 0.5, count: 20 }, { le: INF, count: 20 }];
    assert.equal(histogramQuantile(0.95, buckets), 0.1 + (0.4 * (19 - 10)) / 10);
    assert.equal(histogramQuantile(0.5, buckets), 0.1);
  });

  it('answers the highest finite bound when the quantile is in +Inf, and null without observations', () => {
    assert.equal(histogramQuantile(0.95, [{ le: 1, count: 1 }, { le: INF, count: 100 }]), 1);
    assert.equal(histogramQuantile(0.95, [{ le: 1, count: 0 }, { le: INF, count: 0 }]), null);
  });
});

describe('RecentWindow', () => {
  it('measures throughput and p95 over the window only', () => {
    const window = new RecentWindow(10_000);
    window.record(0, 0, [{ le: 1, count: 0 }, { le: INF, count: 0 }]);
    window.record(5_000, 50, [{ le: 1, count: 50 }, { le: INF, count: 50 }]);
    assert.equal(window.throughputPerSecond(), 10);
    assert.equal(window.p95(), 0.95);
    // 20 s later nothing more finished: the window holds no activity.
    window.record(15_000, 50, [{ le: 1, count: 50 }, { le: INF, count: 50 }]);
    window.record(25_000, 50, [{ le: 1, count: 50 }, { le: INF, count: 50 }]);
    assert.equal(window.throughputPerSecond(), 0);
    assert.equal(window.p95(), null);
  });

  it('reports no throughput before it has two samples', () => {
    const window = new RecentWindow(10_000);
    assert.equal(window.throughputPerSecond(), 0);
    assert.equal(window.p95(), null);
  });
});
