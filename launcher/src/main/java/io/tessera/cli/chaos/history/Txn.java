package io.tessera.cli.chaos.history;

import io.tessera.cli.chaos.txn.Outcome;
import java.util.List;

/**
 * One transaction of a history: who ran it, its operations in the order they completed, and its
 * outcome. {@code error} says why it did not commit (null when it did). {@code startNanos} is taken
 * just before its first statement was sent and {@code endNanos} when its commit returned
 * ({@link System#nanoTime()}; both 0 when unknown).
 */
public record Txn(long id, int process, List<Op> ops, Outcome outcome, String error, long startNanos, long endNanos) {
    public Txn {
        ops = List.copyOf(ops);
    }

    public static Txn committed(long id, Op... ops) {
        return new Txn(id, 0, List.of(ops), Outcome.COMMITTED, null, 0, 0);
    }

    public static Txn aborted(long id, Op... ops) {
        return new Txn(id, 0, List.of(ops), Outcome.ABORTED, "aborted", 0, 0);
    }

    public static Txn indeterminate(long id, Op... ops) {
        return new Txn(id, 0, List.of(ops), Outcome.INDETERMINATE, "unknown", 0, 0);
    }

    /** The same transaction, known to have run from {@code start} to {@code end} (nanoTime). */
    public Txn during(long start, long end) {
        return new Txn(id, process, ops, outcome, error, start, end);
    }

    public boolean timed() {
        return startNanos != 0 || endNanos != 0;
    }

    public boolean committed() {
        return outcome == Outcome.COMMITTED;
    }

    public boolean writes() {
        return ops.stream().anyMatch(o -> o instanceof Op.Append);
    }

    @Override
    public String toString() {
        return "T" + id + "(" + outcome.name().toLowerCase(java.util.Locale.ROOT) + ")" + ops;
    }
}
