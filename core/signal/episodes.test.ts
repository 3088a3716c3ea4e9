import { describe, expect, it } from 'vitest';
import { createEpisodeFinder } from './episodes.js';

const HOUR = 3600_000;
const at = (hours: number) => new Date(Date.UTC(2026, 11, 1) + hours * HOUR);

describe('episodes of a batch', () => {
  it('joins the episode of the latest signal about the child observed within the window, on record or earlier in the batch', () => {
    let n = 0;
    const fresh = () => `ep-new-${++n}`;
    const finder = createEpisodeFinder(24 * HOUR, [
      { keys: ['s:a'], observedAt: at(0), episodeId: 'ep-old' },
      { keys: ['s:a'], observedAt: at(10), episodeId: 'ep-later' },
    ]);
    expect(finder.place(['s:a'], at(20), fresh)).toBe('ep-later');
    // Beyond the window of everything on record, but within the window of the batch's signal just placed.
    expect(finder.place(['s:a'], at(40), fresh)).toBe('ep-later');
    expect(finder.place(['s:a'], at(100), fresh)).toBe('ep-new-1');
    expect(finder.place(['s:a'], at(110), fresh)).toBe('ep-new-1');
    // Another child never joins a's episodes.
    expect(finder.place(['s:b'], at(20), fresh)).toBe('ep-new-2');
  });

  it('finds an unmatched child by any of its links (the number under each pseudonym key)', () => {
    const finder = createEpisodeFinder(24 * HOUR, [{ keys: ['l:old-key:digest-1'], observedAt: at(0), episodeId: 'ep-waiting' }]);
    expect(finder.place(['l:new-key:digest-2', 'l:old-key:digest-1'], at(1), () => 'ep-new')).toBe('ep-waiting');
    expect(finder.place(['l:new-key:digest-2'], at(2), () => 'ep-new')).toBe('ep-waiting');
  });

  it('counts the window’s edge in, and a signal observed before its neighbours too', () => {
    const finder = createEpisodeFinder(24 * HOUR, [{ keys: ['s:a'], observedAt: at(48), episodeId: 'ep-1' }]);
    expect(finder.place(['s:a'], at(24), () => 'ep-new')).toBe('ep-1');
    expect(finder.place(['s:a'], at(-0.5), () => 'ep-new')).toBe('ep-new');
  });
});
