package io.tessera.node.storage;

import static io.tessera.node.NodeFixture.insert;
import static io.tessera.node.NodeFixture.item;
import static io.tessera.node.NodeFixture.mutation;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tessera.node.NodeFixture;
import io.tessera.node.ShardException;
import io.tessera.node.TxnRequests;
import io.tessera.protocol.proto.Error;
import io.tessera.protocol.proto.Mutation;
import io.tessera.protocol.time.Timestamps;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A one-phase write that asks for no timestamp commits just above everything the primary applied or
 * served, inside the slot of an oracle timestamp (or of a range of them handed to the primary), and
 * takes a fresh oracle timestamp before it would leave them (docs/transactions.md "One-phase writes").
 */
class OnePhaseWritesChooseTheirTimestampInsideASlot {
    static final long STEP = Timestamps.ORACLE_STEP;
    static final long T = Timestamps.ofMillis(1_000_000); // an oracle timestamp

    Replica r;
    long seq;

    /** An oracle for the replica's new slots: hands out multiples of the step, or fails while down. */
    final class Oracle implements SlotRefill {
        final AtomicLong next = new AtomicLong(T + 100 * STEP);
        final java.util.Set<Long> handedOut = java.util.concurrent.ConcurrentHashMap.newKeySet();
        final AtomicInteger now = new AtomicInteger();
        final AtomicInteger soon = new AtomicInteger();
        volatile boolean down;
        volatile boolean writeLockFree = true;

        @Override
        public void refillSoon() {
            soon.incrementAndGet();
        }

        @Override
        public void refillNow() {
            now.incrementAndGet();
            // positions() takes the write lock: from another thread it would block if the writer held it
            try {
                CompletableFuture.supplyAsync(r::positions).get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                writeLockFree = false;
            }
            if (down) {
                throw new ShardException(Error.Code.NOT_SERVING, null, "oracle down (test)");
            }
            long ts = next.getAndAdd(STEP);
            handedOut.add(ts);
            r.adoptTimestamps(ts, ts + STEP);
        }
    }

    final Oracle oracle = new Oracle();

    @BeforeEach
    void setUp() {
        r = Replica.create(null, NodeFixture.state(7, 1, "a"), NodeFixture.defaultSchema(), Durability.MEMORY);
        r.setSlotRefill(oracle);
    }

    @AfterEach
    void tearDown() {
        r.close();
    }

    private long put(long id, String name) {
        return r.writeAt(0, List.of(mutation(Mutation.Kind.UPSERT, item(id, name, 1, null, null))), "c", ++seq).commitTs();
    }

    private String nameAt(long id, long ts) {
        Object[] row = r.readRow(TxnRequests.pk(id).toByteArray(), ts);
        return row == null ? null : (String) row[1];
    }

    @Test
    void aChosenCommitTsIsAboveReadsAndEarlierCommitsAndInsideTheSlot() {
        long atOracle = r.writeAt(T, List.of(insert(item(1, "a", 1, null, null))), "c", ++seq).commitTs();
        assertThat(atOracle).as("an oracle timestamp asked for is used as is").isEqualTo(T);

        long c1 = put(1, "b");
        assertThat(c1).isEqualTo(T + 1);
        assertThat(r.awaitReadable(T + 10)).isEqualTo(T + 10); // a read at T + 10 was served
        long c2 = put(1, "c");
        assertThat(c2).as("above the served read").isEqualTo(T + 11);
        long c3 = put(2, "x");
        assertThat(c3).as("above the previous commit").isEqualTo(T + 12);
        assertThat(List.of(c1, c2, c3)).allMatch(c -> c <= Timestamps.slotEnd(T), "inside the slot of " + T);

        assertThat(nameAt(1, T + 10)).as("the snapshot read at T + 10 is unchanged").isEqualTo("b");
        assertThat(nameAt(1, c2)).isEqualTo("c");
        assertThat(oracle.now.get()).as("no oracle call while the slot has room").isZero();
        assertThat(oracle.soon.get()).as("the slot is far from half used").isZero();
    }

    @Test
    void aWriteThatWouldLeaveTheSlotTakesAFreshOracleTimestampFirst() {
        r.writeAt(T, List.of(insert(item(1, "a", 1, null, null))), "c", ++seq);
        r.awaitReadable(Timestamps.slotEnd(T) - 1); // a read near the end of T's slot
        long last = put(1, "b");
        assertThat(last).isEqualTo(Timestamps.slotEnd(T));
        assertThat(oracle.soon.get()).as("more than half of the slot is used: a fresh timestamp is asked for early")
                .isEqualTo(1);
        assertThat(oracle.now.get()).isZero();

        long fresh = oracle.next.get();
        long next = put(1, "c");
        assertThat(oracle.now.get()).as("the slot was used up: the write waited for a fresh oracle timestamp").isEqualTo(1);
        assertThat(oracle.writeLockFree).as("the oracle is never asked under the write lock").isTrue();
        assertThat(next).isEqualTo(fresh + 1);
        assertThat(Timestamps.isOracle(next)).isFalse();
        assertThat(nameAt(1, last)).isEqualTo("b");
        assertThat(nameAt(1, next)).isEqualTo("c");
    }

    @Test
    void aWriteRaisedAboveAReadAtTheEndOfASlotTakesAFreshOracleTimestampToo() {
        r.writeAt(T, List.of(insert(item(1, "a", 1, null, null))), "c", ++seq);
        r.awaitReadable(Timestamps.slotEnd(T)); // the read used the whole slot
        long fresh = oracle.next.get();
        long c = r.writeAt(T, List.of(mutation(Mutation.Kind.UPDATE, item(2, "z", 1, null, null))), "c", ++seq).commitTs();
        assertThat(c).as("not the next oracle timestamp T + STEP, which someone may read at").isEqualTo(fresh + 1);
        assertThat(oracle.now.get()).isEqualTo(1);
    }

    @Test
    void withoutTheOracleAWriteThatWouldLeaveTheSlotIsRefusedAndChangesNothing() {
        r.writeAt(T, List.of(insert(item(1, "a", 1, null, null))), "c", ++seq);
        r.awaitReadable(Timestamps.slotEnd(T));
        oracle.down = true;
        long versions = r.versionCount();
        assertThatThrownBy(() -> put(1, "b")).isInstanceOfSatisfying(ShardException.class,
                e -> assertThat(e.code()).isEqualTo(Error.Code.NOT_SERVING));
        assertThat(r.versionCount()).isEqualTo(versions);
        assertThat(r.appliedTs()).isEqualTo(T);

        oracle.down = false;
        long c = put(1, "b");
        assertThat(c).isGreaterThan(Timestamps.slotEnd(T));
        assertThat(nameAt(1, Long.MAX_VALUE)).isEqualTo("b");
    }

    @Test
    void concurrentWritersGetDistinctTimestampsInTheSlotsOfHandedOutOracleTimestamps() throws Exception {
        r.writeAt(T, List.of(insert(item(1, "a", 1, null, null))), "c", ++seq);
        oracle.handedOut.add(T);
        int writers = 4;
        int each = 4_500; // together more than one slot holds
        java.util.Set<Long> used = java.util.concurrent.ConcurrentHashMap.newKeySet();
        List<Thread> threads = new java.util.ArrayList<>();
        java.util.Queue<Throwable> failures = new java.util.concurrent.ConcurrentLinkedQueue<>();
        for (int w = 0; w < writers; w++) {
            long id = 10 + w;
            Thread t = new Thread(() -> {
                try {
                    for (int i = 0; i < each; i++) {
                        long c = r.writeAt(0, List.of(mutation(Mutation.Kind.UPSERT, item(id, "v" + i, i, null, null))),
                                "w" + id, i + 1).commitTs();
                        if (!used.add(c)) {
                            failures.add(new AssertionError("commit ts " + c + " used twice"));
                        }
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(failures).isEmpty();
        assertThat(used).hasSize(writers * each);
        assertThat(oracle.now.get()).as("the writers went through more than one slot").isPositive();
        assertThat(used).allSatisfy(c -> {
            assertThat(Timestamps.isOracle(c)).as("commit ts %d", c).isFalse();
            assertThat(oracle.handedOut).as("the slot of commit ts %d", c).contains(c & ~(STEP - 1));
        });
    }

    @Test
    void aRangeOfOracleTimestampsIsFilledAcrossItsSlotsWithoutAskingAgain() {
        r.adoptTimestamps(T, T + 4 * STEP); // four oracle timestamps and their slots were handed to this primary
        r.writeAt(T, List.of(insert(item(1, "a", 1, null, null))), "c", ++seq);
        r.awaitReadable(Timestamps.slotEnd(T)); // a read used T's whole slot
        assertThat(put(1, "b")).as("on past T's slot, skipping the oracle value T + STEP").isEqualTo(T + STEP + 1);
        assertThat(oracle.now.get()).isZero();
        assertThat(oracle.soon.get()).as("less than half of the range is used").isZero();

        r.awaitReadable(T + 2 * STEP + 5);
        assertThat(put(1, "c")).isEqualTo(T + 2 * STEP + 6);
        assertThat(oracle.soon.get()).as("past half of the range: the next one is asked for early").isEqualTo(1);

        r.awaitReadable(T + 4 * STEP - 1); // the range's last value
        long fresh = oracle.next.get();
        assertThat(put(1, "d")).as("the range is used up: a fresh oracle timestamp first").isEqualTo(fresh + 1);
        assertThat(oracle.now.get()).isEqualTo(1);
        assertThat(nameAt(1, T + 2 * STEP + 6)).isEqualTo("c");
    }

    @Test
    void aReadOrCommitAtAnotherPrimarysTimestampBringsTheRestOfItsRange() {
        r.adoptTimestamps(T, T + 4 * STEP);
        r.writeAt(T, List.of(insert(item(1, "a", 1, null, null))), "c", ++seq);
        long other = T + 10 * STEP; // another node's range: other .. other + 4 * STEP
        r.awaitReadable(Timestamps.slotEnd(other), other + 4 * STEP); // a multi-shard read at the shards' snapshot
        assertThat(put(1, "b")).as("on into the other range's next slot, without the oracle")
                .isEqualTo(other + STEP + 1);
        assertThat(oracle.now.get()).isZero();

        long third = T + 20 * STEP; // a transaction commits here at a timestamp of a third range
        r.transactions().prewrite(TxnRequests.prewrite(TxnRequests.ref(7, 1), 500, 2,
                mutation(Mutation.Kind.UPSERT, item(2, "t", 2, null, null))).build());
        r.transactions().commit(500, Timestamps.slotEnd(third), TxnRequests.pk(2), third + 2 * STEP);
        assertThat(put(1, "c")).isEqualTo(third + STEP + 1);
        assertThat(oracle.now.get()).isZero();

        r.awaitReadable(Timestamps.slotEnd(third + 2 * STEP)); // a read without a range: only its slot
        long fresh = oracle.next.get();
        assertThat(put(1, "d")).isEqualTo(fresh + 1);
        assertThat(oracle.now.get()).isEqualTo(1);
    }

    @Test
    void aReplicaOutsideAClusterStartsItsNextSlotItself() {
        r.setSlotRefill(null);
        r.writeAt(T, List.of(insert(item(1, "a", 1, null, null))), "c", ++seq);
        r.awaitReadable(Timestamps.slotEnd(T));
        assertThat(put(1, "b")).isEqualTo(T + STEP + 1);
    }
}
