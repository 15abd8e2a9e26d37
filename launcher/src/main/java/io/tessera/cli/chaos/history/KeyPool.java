package io.tessera.cli.chaos.history;

import java.util.SplittableRandom;

/**
 * The keys transactions choose from: a few active keys, so that transactions collide; a key that
 * has had {@code maxAppends} appends planned is retired for a fresh one, so lists stay short.
 */
final class KeyPool {
    private final long[] active;
    private final int[] appends;
    private final int maxAppends;
    private long nextKey;

    KeyPool(int activeKeys, int maxAppends) {
        this.active = new long[activeKeys];
        this.appends = new int[activeKeys];
        this.maxAppends = maxAppends;
        for (int i = 0; i < activeKeys; i++) {
            active[i] = nextKey++;
        }
    }

    synchronized long forRead(SplittableRandom random) {
        return active[random.nextInt(active.length)];
    }

    synchronized long forAppend(SplittableRandom random) {
        int i = random.nextInt(active.length);
        long key = active[i];
        if (++appends[i] >= maxAppends) {
            active[i] = nextKey++;
            appends[i] = 0;
        }
        return key;
    }
}
