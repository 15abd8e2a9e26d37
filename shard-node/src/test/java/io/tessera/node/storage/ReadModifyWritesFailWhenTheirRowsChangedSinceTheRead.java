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
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A one-phase write that names the snapshot its rows were read at ({@code read_ts}) fails as a whole
 * with WRITE_CONFLICT when a written key got a newer version after that snapshot, so two
 * concurrent {@code UPDATE t SET qty = qty + 1} cannot both apply (the lost update).
 */
class ReadModifyWritesFailWhenTheirRowsChangedSinceTheRead {
    Replica r;
    long seq;

    @BeforeEach
    void setUp() {
        r = Replica.create(null, NodeFixture.state(7, 1, "a"), NodeFixture.defaultSchema(), Durability.MEMORY);
        r.write(10, List.of(insert(item(1, "a", 1, null, null)), insert(item(2, "b", 1, null, null))), "c", ++seq);
    }

    @AfterEach
    void tearDown() {
        r.close();
    }

    private int qty(long id) {
        return (Integer) r.readRow(TxnRequests.pk(id).toByteArray(), Long.MAX_VALUE)[2];
    }

    /** UPDATE ... SET qty = qty + 1 WHERE id = {@code id}, read at the latest state; returns its snapshot. */
    private long readLatest() {
        return r.awaitReadable(0);
    }

    private Replica.WriteOutcome increment(long readTs, int readQty, long... ids) {
        List<Mutation> ms = new java.util.ArrayList<>();
        for (long id : ids) {
            ms.add(mutation(Mutation.Kind.UPDATE, item(id, id == 1 ? "a" : "b", readQty + 1, null, null)));
        }
        return r.writeAt(0, readTs, ms, "c", ++seq);
    }

    @Test
    void ofTwoIncrementsReadAtTheSameSnapshotTheSecondFails() {
        long first = readLatest();
        long second = readLatest();
        int seen = qty(1);
        assertThat(increment(first, seen, 1).applied()).isEqualTo(1);
        assertThatThrownBy(() -> increment(second, seen, 1)).isInstanceOfSatisfying(ShardException.class, e -> {
            assertThat(e.code()).isEqualTo(Error.Code.WRITE_CONFLICT);
            assertThat(e.toError().getSqlState()).isEqualTo("40001");
        });
        assertThat(qty(1)).as("one increment, not lost, not doubled").isEqualTo(2);

        // retried from a fresh read, the second increment applies on top of the first
        long again = readLatest();
        assertThat(increment(again, qty(1), 1).applied()).isEqualTo(1);
        assertThat(qty(1)).isEqualTo(3);
    }

    @Test
    void aConflictOnOneKeyAppliesNothingOfTheBatch() {
        long readTs = readLatest();
        r.writeAt(0, List.of(mutation(Mutation.Kind.UPDATE, item(2, "b", 7, null, null))), "other", 1);
        long versions = r.versionCount();
        long applied = r.appliedTs();
        assertThatThrownBy(() -> increment(readTs, 1, 1, 2)).isInstanceOfSatisfying(ShardException.class,
                e -> assertThat(e.code()).isEqualTo(Error.Code.WRITE_CONFLICT));
        assertThat(r.versionCount()).isEqualTo(versions);
        assertThat(r.appliedTs()).isEqualTo(applied);
        assertThat(qty(1)).isEqualTo(1);
        assertThat(qty(2)).isEqualTo(7);
    }

    @Test
    void aDeleteAfterTheReadIsAConflictToo() {
        long readTs = readLatest();
        r.writeAt(0, List.of(NodeFixture.delete(1)), "other", 1);
        assertThatThrownBy(() -> increment(readTs, 1, 1)).isInstanceOfSatisfying(ShardException.class,
                e -> assertThat(e.code()).isEqualTo(Error.Code.WRITE_CONFLICT));
        assertThat(r.readRow(TxnRequests.pk(1).toByteArray(), Long.MAX_VALUE)).isNull();
    }

    @Test
    void changesToOtherKeysAndBlindWritesDoNotConflict() {
        long readTs = readLatest();
        r.writeAt(0, List.of(mutation(Mutation.Kind.UPDATE, item(2, "b", 7, null, null))), "other", 1);
        assertThat(increment(readTs, 1, 1).applied()).as("key 2 changed, key 1 did not").isEqualTo(1);
        // a blind write (read_ts 0) overwrites whatever is there, as before
        assertThat(r.writeAt(0, 0, List.of(mutation(Mutation.Kind.UPSERT, item(1, "a", 40, null, null))), "c", ++seq)
                .applied()).isEqualTo(1);
        assertThat(qty(1)).isEqualTo(40);
    }
}
