package io.tessera.node.storage;

import static io.tessera.node.NodeFixture.insert;
import static io.tessera.node.NodeFixture.item;
import static io.tessera.node.NodeFixture.mutation;
import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.node.NodeFixture;
import io.tessera.node.TxnRequests;
import io.tessera.protocol.proto.Mutation;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Readers at ever newer timestamps race a writer that always asks for an old commit_ts: every
 * snapshot read twice must read the same, because a write commits above every read noted before it
 * chose its timestamp, and a read noted while a write chooses waits for it.
 */
class OnePhaseWritesNeverLandInAReadSnapshot {
    @Test
    void aSnapshotReadTwiceReadsTheSame() throws Exception {
        try (Replica r = Replica.create(null, NodeFixture.state(7, 1, "a"), NodeFixture.defaultSchema(), Durability.MEMORY)) {
            r.write(1, List.of(insert(item(1, "v0", 0, null, null))), "c", 0);
            byte[] pk = TxnRequests.pk(1).toByteArray();
            AtomicLong clock = new AtomicLong(10);
            AtomicBoolean stop = new AtomicBoolean();
            ConcurrentLinkedQueue<String> changed = new ConcurrentLinkedQueue<>();
            Thread writer = new Thread(() -> {
                long seq = 1;
                while (!stop.get()) {
                    long asked = Math.max(2, r.appliedTs() + 1); // below the readers' timestamps
                    r.writeAt(asked, List.of(mutation(Mutation.Kind.UPDATE, item(1, "v" + seq, (int) seq, null, null))),
                            "w", seq++);
                }
            });
            Runnable reader = () -> {
                while (!stop.get()) {
                    long ts = clock.incrementAndGet();
                    long readTs = r.awaitReadable(ts);
                    Object[] first = r.readRow(pk, readTs);
                    Thread.onSpinWait();
                    Object[] second = r.readRow(pk, readTs);
                    if (!first[1].equals(second[1])) {
                        changed.add("at " + ts + ": " + first[1] + " then " + second[1]);
                    }
                }
            };
            Thread r1 = new Thread(reader);
            Thread r2 = new Thread(reader);
            writer.start();
            r1.start();
            r2.start();
            Thread.sleep(1_500);
            stop.set(true);
            writer.join();
            r1.join();
            r2.join();
            assertThat(changed).isEmpty();
            assertThat(r.appliedTs()).as("the writer was raised above the readers").isGreaterThan(10);
            assertThat(r.maxReadTs()).isGreaterThan(10);
        }
    }
}
