package io.tessera.node.storage;

import static io.tessera.node.NodeFixture.insert;
import static io.tessera.node.NodeFixture.item;
import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.node.NodeFixture;
import io.tessera.protocol.proto.WriteResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConcurrentWritersShareGroupCommits {
    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedWriteIsVisibleAndSurvivesRestart() throws Exception {
        int threads = 8;
        int perThread = 100;
        AtomicLong ts = new AtomicLong(100);
        long micros;
        try (NodeFixture f = NodeFixture.persistent(dir)) {
            f.open(NodeFixture.defaultSchema());
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<Integer>> results = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int t = 0; t < threads; t++) {
                int base = t * perThread;
                results.add(pool.submit(() -> {
                    int ok = 0;
                    for (int i = 0; i < perThread; i++) {
                        // each writer owns its keys, so commit timestamps need not be ordered across writers
                        WriteResponse r = f.write(ts.incrementAndGet(), insert(item(base + i, "n" + i, i, null, null)));
                        if (!r.hasError()) {
                            ok++;
                        }
                    }
                    return ok;
                }));
            }
            int ok = 0;
            for (Future<Integer> r : results) {
                ok += r.get();
            }
            micros = (System.nanoTime() - t0) / 1000;
            pool.shutdown();
            assertThat(ok).isEqualTo(threads * perThread);
            assertThat(f.scanAll(Long.MAX_VALUE).rows()).hasSize(threads * perThread);
        }
        System.out.printf("%d SYNC single-row writes from %d threads: %d ms (%.0f writes/s)%n", threads * perThread, threads,
                micros / 1000, threads * perThread * 1e6 / micros);
        try (NodeFixture f = NodeFixture.persistent(dir)) {
            assertThat(f.scanAll(Long.MAX_VALUE).rows()).hasSize(threads * perThread);
        }
    }
}
