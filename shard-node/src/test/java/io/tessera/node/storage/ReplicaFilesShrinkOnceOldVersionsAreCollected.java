package io.tessera.node.storage;

import static io.tessera.node.NodeFixture.delete;
import static io.tessera.node.NodeFixture.insert;
import static io.tessera.node.NodeFixture.item;
import static io.tessera.node.NodeFixture.mutation;
import static io.tessera.node.TxnRequests.pk;
import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.node.NodeFixture;
import io.tessera.protocol.proto.Mutation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.h2.mvstore.Cursor;
import org.h2.mvstore.MVMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica file that was written, overwritten and mostly deleted gives its space back once the old
 * versions are collected and the file is compacted: it ends well under its size before and within a
 * small multiple of the live data, and every row still reads the same, also while writers and
 * readers run during compaction, and after a restart.
 */
class ReplicaFilesShrinkOnceOldVersionsAreCollected {
    static final int ROWS = 6_000;
    static final int BATCH = 50;
    static final int ROUNDS = 4;
    static final String PAD = "x".repeat(100);
    /** The default policy, also for files under its minimum size: this test's live data is small. */
    static final FileCompaction.Policy POLICY = new FileCompaction.Policy(0, FileCompaction.Policy.DEFAULT.rewriteBelowPercent(),
            FileCompaction.Policy.DEFAULT.moveBelowPercent(), FileCompaction.Policy.DEFAULT.stepBytes(),
            FileCompaction.Policy.DEFAULT.maxSteps(), FileCompaction.Policy.DEFAULT.pauseMillis());

    @TempDir
    Path dir;

    private long ts = 10;
    private long seq = 1;

    private Replica create(Path f) {
        Replica r = Replica.create(f, NodeFixture.state(7, 1, "a"), NodeFixture.defaultSchema(), Durability.MEMORY);
        // MVStore reuses chunks only 45 s after they were written; a test cannot wait that long
        r.compactUnderWriteLock(s -> {
            s.setRetentionTime(0);
            return null;
        });
        return r;
    }

    /** Inserts ROWS rows, rewrites them ROUNDS - 1 times, then deletes every odd one: mostly dead versions. */
    private void churn(Replica r) {
        for (int round = 0; round < ROUNDS; round++) {
            for (int i = 0; i < ROWS; i += BATCH) {
                List<Mutation> ms = new ArrayList<>();
                for (int id = i; id < i + BATCH; id++) {
                    Object[] row = item(id, PAD + round, id % 100, null, null);
                    ms.add(round == 0 ? insert(row) : mutation(Mutation.Kind.UPDATE, row));
                }
                r.write(ts++, ms, "c", seq++);
            }
        }
        for (int i = 0; i < ROWS; i += BATCH) {
            List<Mutation> ms = new ArrayList<>();
            for (int id = i; id < i + BATCH; id++) {
                if (id % 2 != 0) {
                    ms.add(delete(id));
                }
            }
            r.write(ts++, ms, "c", seq++);
        }
        while (r.trimLog(10)) {
            // the log holds every write's rows; replication trims it the same way
        }
    }

    private static long liveBytes(MVMap<byte[], byte[]> map) {
        long n = 0;
        Cursor<byte[], byte[]> c = map.cursor(null);
        while (c.hasNext()) {
            n += c.next().length + c.getValue().length;
        }
        return n;
    }

    /** Each row the latest state has, as "id=name". */
    private static List<String> rows(Replica r) {
        List<String> out = new ArrayList<>();
        Iterator<Object[]> it = r.scan(Long.MAX_VALUE, KeyRange.ALL);
        while (it.hasNext()) {
            Object[] row = it.next();
            out.add(row[0] + "=" + row[1]);
        }
        return out;
    }

    private void collect(Replica r) {
        r.raiseSafePoint(ts, 0);
        assertThat(new VersionCollector(r, 0).run().complete()).isTrue();
    }

    @Test
    void theFileShrinksToASmallMultipleOfItsLiveData() throws Exception {
        Path f = dir.resolve("shard-7.mv.db");
        List<String> expected;
        long before;
        try (Replica r = create(f)) {
            churn(r);
            collect(r);
            expected = rows(r);
            assertThat(expected).hasSize(ROWS / 2);
            before = Files.size(f);

            // what the background collector does on each CollectGarbage: the shard is quiet, and the
            // chunks a round empties are freed once MVStore no longer keeps the versions that used them
            FileCompaction.Outcome o = null;
            for (int round = 0; round < 4; round++) {
                o = new FileCompaction(r, POLICY).run();
                assertThat(o.complete()).isTrue();
                ts++;
                collect(r);
            }

            long after = Files.size(f);
            long live = liveBytes(r.rowsMap()) + liveBytes(r.indexMap());
            assertThat(after).as("file size after compaction (before: %d, live data: %d)", before, live)
                    .isLessThan(before / 5)
                    .isLessThan(4 * live);
            assertThat(rows(r)).isEqualTo(expected);
        }
        try (Replica r = Replica.open(f, Durability.MEMORY)) {
            assertThat(rows(r)).as("after a restart").isEqualTo(expected);
            assertThat(r.readRow(pk(4).toByteArray(), Long.MAX_VALUE)[1]).isEqualTo(PAD + (ROUNDS - 1));
            assertThat(r.readRow(pk(5).toByteArray(), Long.MAX_VALUE)).isNull();
        }
        assertThat(Files.size(f)).isLessThan(before / 5);
    }

    @Test
    void writersAndReadersRunOnWhileTheFileIsCompacted() throws Exception {
        Path f = dir.resolve("shard-7.mv.db");
        List<String> expected = new ArrayList<>();
        try (Replica r = create(f)) {
            churn(r);
            collect(r);
            long before = Files.size(f);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            // the writer keeps rewriting the surviving rows (ids divisible by 4), the reader scans them
            Thread writer = new Thread(() -> {
                try {
                    for (int n = 0; !stop.get(); n++) {
                        List<Mutation> ms = new ArrayList<>();
                        for (int id = (n * 4 * BATCH) % ROWS; ms.size() < BATCH / 4; id += 4) {
                            ms.add(mutation(Mutation.Kind.UPDATE, item(id % ROWS, "w" + n, id % 100, null, null)));
                        }
                        r.write(ts++, ms, "w", seq++);
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            Thread reader = new Thread(() -> {
                try {
                    while (!stop.get()) {
                        Runnable end = r.gcHorizon().admitRead(0, Long.MAX_VALUE); // as ShardService does
                        try {
                            assertThat(rows(r)).hasSize(ROWS / 2);
                        } finally {
                            end.run();
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            writer.start();
            reader.start();
            try {
                for (int i = 0; i < 3; i++) {
                    new FileCompaction(r, POLICY).run();
                }
            } finally {
                stop.set(true);
                writer.join(TimeUnit.SECONDS.toMillis(30));
                reader.join(TimeUnit.SECONDS.toMillis(30));
            }
            assertThat(failure.get()).isNull();
            assertThat(Files.size(f)).as("file size after compaction under load (before: %d)", before)
                    .isLessThan(before / 2);
            expected.addAll(rows(r));
            assertThat(expected).hasSize(ROWS / 2);
        }
        try (Replica r = Replica.open(f, Durability.MEMORY)) {
            assertThat(rows(r)).as("what the writer wrote survives a restart").isEqualTo(expected);
        }
    }
}
