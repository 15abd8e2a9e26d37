package io.tessera.cli.chaos.bank;

import static org.assertj.core.api.Assertions.assertThat;

import io.tessera.cli.chaos.txn.Outcome;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the parent of a killed transfer client concludes from its history file: finished transfers
 * as the client was told, the one in flight aborted when {@code commit()} was never called and
 * unknown when it was, and a line the kill cut short ignored.
 */
class TransferHistoryJudgesTheTransferInFlight {
    @TempDir
    Path dir;

    @Test
    void aClientKilledInsideCommitLeavesAnUnknownOutcome() throws Exception {
        Path file = dir.resolve("client.history");
        try (TransferHistoryFile h = new TransferHistoryFile(file)) {
            h.begun(1, 0, 1, 10);
            h.committing(1);
            h.finished(new Transfer(1, 0, 1, 10, Outcome.COMMITTED, null));
            h.begun(2, 1, 2, 20);
            h.finished(new Transfer(2, 1, 2, 20, Outcome.ABORTED, "40001 conflict\non key\t[1]"));
            h.begun(3, 2, 0, 5);
            h.skipped(3);
            h.begun(4, 2, 1, 30);
            h.committing(4);
        }
        Files.writeString(file, "COMMITT", StandardCharsets.UTF_8, StandardOpenOption.APPEND); // cut by the kill
        HistoryTail tail = new HistoryTail(file);
        assertThat(tail.poll()).as("the newest complete line").isEqualTo(TransferHistory.Event.COMMITTING);
        assertThat(tail.ended()).as("committed, aborted, skipped").isEqualTo(3);
        assertThat(tail.statementsMillis()).isNotNegative();
        assertThat(tail.commitMillis()).isNotNegative();

        TransferHistory history = TransferHistory.read(file);

        assertThat(history.transfers()).extracting(Transfer::id, Transfer::outcome).containsExactly(
                org.assertj.core.groups.Tuple.tuple(1L, Outcome.COMMITTED),
                org.assertj.core.groups.Tuple.tuple(2L, Outcome.ABORTED),
                org.assertj.core.groups.Tuple.tuple(4L, Outcome.INDETERMINATE));
        assertThat(history.transfers().get(1).error()).isEqualTo("40001 conflict on key [1]");
        assertThat(history.inFlight()).containsExactlyElementsOf(history.diedInCommit());
        assertThat(history.diedInCommit()).singleElement().satisfies(t -> {
            assertThat(t.row()).isEqualTo(new LedgerRow(4, 2, 1, 30));
            assertThat(t.error()).contains("died in commit()");
        });
        assertThat(history.skipped()).isEqualTo(1);
    }

    @Test
    void aClientKilledBeforeCommitCannotHaveCommitted() throws Exception {
        Path file = dir.resolve("client.history");
        try (TransferHistoryFile h = new TransferHistoryFile(file)) {
            h.begun(7, 3, 4, 1);
        }
        HistoryTail tail = new HistoryTail(file);
        assertThat(tail.poll()).isEqualTo(TransferHistory.Event.BEGIN);
        assertThat(tail.ended()).isZero();

        TransferHistory history = TransferHistory.read(file);

        assertThat(history.inFlight()).singleElement().satisfies(t -> {
            assertThat(t.id()).isEqualTo(7);
            assertThat(t.outcome()).isEqualTo(Outcome.ABORTED);
        });
        assertThat(history.diedInCommit()).isEmpty();
    }
}
