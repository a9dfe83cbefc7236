import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { JobCounter } from '../src/logic/jobs';

describe('JobCounter', () => {
  it('counts a job from its begin to its end', () => {
    const jobs = new JobCounter();
    jobs.update('multi-model/1', { kind: 'begin', title: 'Review with Oracle' });
    jobs.update('multi-model/2', { kind: 'begin', title: 'Plan with Sisyphus' });
    assert.equal(jobs.count, 2);
    jobs.update('multi-model/1', { kind: 'end' });
    assert.equal(jobs.count, 1);
    assert.deepEqual(jobs.titles(), ['Plan with Sisyphus']);
  });

  it('reports a change only when the count changes', () => {
    const jobs = new JobCounter();
    assert.equal(jobs.update(1, { kind: 'begin' }), true);
    assert.equal(jobs.update(1, { kind: 'report' }), false);
    assert.equal(jobs.update(1, { kind: 'begin' }), false);
    assert.equal(jobs.update(1, { kind: 'end' }), true);
  });

  it('ignores an end it never saw begin', () => {
    const jobs = new JobCounter();
    assert.equal(jobs.update('other', { kind: 'end' }), false);
    assert.equal(jobs.count, 0);
  });

  it('treats a numeric token and its string form as the same job', () => {
    const jobs = new JobCounter();
    jobs.update(3, { kind: 'begin' });
    jobs.update('3', { kind: 'end' });
    assert.equal(jobs.count, 0);
  });

  it('forgets every job when the server stops', () => {
    const jobs = new JobCounter();
    jobs.update('a', { kind: 'begin' });
    jobs.clear();
    assert.equal(jobs.count, 0);
  });
});
