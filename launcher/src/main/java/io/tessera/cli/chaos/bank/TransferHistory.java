package io.tessera.cli.chaos.bank;

import io.tessera.cli.chaos.txn.Outcome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The history of one transfer client process, read back from its {@link TransferHistoryFile} after
 * the process ended (often by {@code kill -9}). A transfer with an outcome line is judged by it; the
 * transfer the client was in when it died has none:
 * <ul>
 *   <li>without a {@code COMMITTING} line, {@code commit()} was never called, so it cannot have
 *       committed: {@link Outcome#ABORTED} (its locks must be rolled back by whoever meets them);</li>
 *   <li>with one, the client may have died anywhere in {@code commit()}, before or after the commit
 *       point: {@link Outcome#INDETERMINATE}, committed if and only if its ledger row exists.</li>
 * </ul>
 *
 * @param file          the history file
 * @param transfers     every attempt as the {@link BankChecker} needs it
 * @param inFlight      attempts begun without an outcome (at most one: a client runs one at a time)
 * @param diedInCommit  of those, the ones whose {@code commit()} had been called
 * @param skipped       transfers skipped for insufficient funds
 */
public record TransferHistory(Path file, List<Transfer> transfers, List<Transfer> inFlight, List<Transfer> diedInCommit,
                              long skipped) {
    /** What a history line records. */
    public enum Event { BEGIN, COMMITTING, COMMITTED, ABORTED, INDETERMINATE, SKIPPED }

    public TransferHistory {
        transfers = List.copyOf(transfers);
        inFlight = List.copyOf(inFlight);
        diedInCommit = List.copyOf(diedInCommit);
    }

    /** Parses {@code file}; a last line without its newline (a write cut short) is ignored. */
    public static TransferHistory read(Path file) throws IOException {
        String text = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        int complete = text.lastIndexOf('\n') + 1;
        Map<Long, Transfer> begun = new LinkedHashMap<>();
        Map<Long, Boolean> committing = new LinkedHashMap<>();
        List<Transfer> transfers = new ArrayList<>();
        long skipped = 0;
        for (String line : text.substring(0, complete).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split("\t", 4); // event, id, millis, detail
            Event event = Event.valueOf(f[0]);
            long id = Long.parseLong(f[1]);
            String detail = f.length > 3 ? f[3] : null;
            switch (event) {
                case BEGIN -> {
                    String[] t = detail.split(" ");
                    begun.put(id, new Transfer(id, Integer.parseInt(t[0]), Integer.parseInt(t[1]), Long.parseLong(t[2]),
                            null, null));
                }
                case COMMITTING -> committing.put(id, true);
                case SKIPPED -> {
                    begun.remove(id);
                    skipped++;
                }
                default -> {
                    Transfer b = begun.remove(id);
                    if (b == null) {
                        throw new IOException(file + ": " + event + " of transfer " + id + " that never began");
                    }
                    transfers.add(new Transfer(id, b.from(), b.to(), b.amount(), Outcome.valueOf(event.name()), detail));
                }
            }
        }
        List<Transfer> inFlight = new ArrayList<>();
        List<Transfer> diedInCommit = new ArrayList<>();
        for (Transfer b : begun.values()) {
            boolean inCommit = committing.containsKey(b.id());
            Transfer t = inCommit
                    ? new Transfer(b.id(), b.from(), b.to(), b.amount(), Outcome.INDETERMINATE,
                            "the client died in commit()")
                    : new Transfer(b.id(), b.from(), b.to(), b.amount(), Outcome.ABORTED,
                            "the client died before calling commit()");
            transfers.add(t);
            inFlight.add(t);
            if (inCommit) {
                diedInCommit.add(t);
            }
        }
        return new TransferHistory(file, transfers, inFlight, diedInCommit, skipped);
    }

    public long count(Outcome outcome) {
        return transfers.stream().filter(t -> t.outcome() == outcome).count();
    }
}
