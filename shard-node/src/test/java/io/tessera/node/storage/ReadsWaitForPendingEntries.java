package io.tessera.node.storage;

import static io.tessera.node.NodeFixture.insert;
import static io.tessera.node.NodeFixture.item;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tessera.node.NodeFixture;
import io.tessera.node.ShardException;
import io.tessera.protocol.proto.Error;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The primary's side of commit: entries applied but not acknowledged by the sync set are pending. */
class ReadsWaitForPendingEntries {
    Replica r;

    @BeforeEach
    void setUp() {
        r = Replica.create(null, NodeFixture.state(NodeFixture.SHARD, 1, "n1"), NodeFixture.defaultSchema(), Durability.MEMORY);
        r.setStallTimeout(300);
    }

    @AfterEach
    void tearDown() {
        r.close();
    }

    @Test
    void aReadAtOrAboveAPendingEntryWaitsUntilItIsAcknowledged() throws Exception {
        r.setTrackPending(true);
        r.setReplicatedLsn(0); // the followers acknowledged nothing yet
        r.setStallTimeout(10_000);
        CompletableFuture<Long> write = CompletableFuture.supplyAsync(
                () -> r.write(10, List.of(insert(item(1, "a", 1, null, null))), "c", 1));
        while (r.lastLsn() < 1) {
            Thread.sleep(1);
        }
        assertThat(r.awaitReadable(9)).as("below the pending entry: no wait").isEqualTo(9);
        assertThat(r.awaitReadable(0)).as("latest committed: nothing yet").isZero();
        CompletableFuture<Long> read = CompletableFuture.supplyAsync(() -> r.awaitReadable(10));
        Thread.sleep(100);
        assertThat(read).isNotDone();
        assertThat(write).isNotDone();
        r.setReplicatedLsn(1);
        assertThat(read.get(5, TimeUnit.SECONDS)).isEqualTo(10);
        assertThat(write.get(5, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(r.awaitReadable(0)).as("latest committed").isEqualTo(10);
        assertThat(r.commitLsn()).isEqualTo(1);
    }

    @Test
    void aWriteThatIsNotAcknowledgedInTimeFailsWithNotServingAndItsRetryWaitsForTheSameEntry() {
        r.setTrackPending(true);
        r.setReplicatedLsn(0);
        assertThatThrownBy(() -> r.write(10, List.of(insert(item(1, "a", 1, null, null))), "c", 1))
                .isInstanceOfSatisfying(ShardException.class, e -> assertThat(e.code()).isEqualTo(Error.Code.NOT_SERVING));
        assertThatThrownBy(() -> r.awaitReadable(10))
                .isInstanceOfSatisfying(ShardException.class, e -> assertThat(e.code()).isEqualTo(Error.Code.NOT_SERVING));
        r.setReplicatedLsn(1);
        assertThat(r.write(10, List.of(insert(item(1, "a", 1, null, null))), "c", 1)).as("the retry is deduplicated").isEqualTo(1);
        assertThat(r.lastLsn()).isEqualTo(1);
    }

    @Test
    void waitersGiveUpWhenTheReplicaStopsBeingPrimary() throws Exception {
        r.setTrackPending(true);
        r.setReplicatedLsn(0);
        r.setStallTimeout(10_000);
        CompletableFuture<Long> write = CompletableFuture.supplyAsync(
                () -> r.write(10, List.of(insert(item(1, "a", 1, null, null))), "c", 1));
        while (r.lastLsn() < 1) {
            Thread.sleep(1);
        }
        Thread.sleep(20);
        r.failWaiters();
        assertThatThrownBy(() -> write.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(ShardException.class)
                .cause().satisfies(e -> assertThat(((ShardException) e).code()).isEqualTo(Error.Code.NOT_PRIMARY));
    }

    @Test
    void aPromotedPrimaryResolvesTheLatestStateOnlyAfterItsInheritedEntriesAreCommitted() throws Exception {
        r.setTrackPending(true);
        r.setReplicatedLsn(0);
        r.setStallTimeout(10_000);
        // An entry of epoch 1 that the old primary may have acknowledged, not yet committed here.
        CompletableFuture.runAsync(() -> r.write(10, List.of(insert(item(1, "a", 1, null, null))), "c", 1));
        while (r.lastLsn() < 1) {
            Thread.sleep(1);
        }
        r.beginEpoch(r.state().getEpoch() + 1);

        CompletableFuture<Long> latest = CompletableFuture.supplyAsync(() -> r.awaitReadable(0));
        Thread.sleep(100);
        assertThat(latest).as("must not read around the inherited entry").isNotDone();
        r.setReplicatedLsn(1);
        assertThat(latest.get(5, TimeUnit.SECONDS)).isEqualTo(10);
    }

    @Test
    void withASyncSetOfOneNothingIsPending() {
        assertThat(r.write(10, List.of(insert(item(1, "a", 1, null, null))), "c", 1)).isEqualTo(1);
        assertThat(r.awaitReadable(Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
        assertThat(r.awaitReadable(0)).isEqualTo(10);
        assertThat(r.commitLsn()).isEqualTo(1);
    }
}
