package io.tessera.cli.chaos.txn;

import java.sql.SQLException;

/**
 * What a client knows about a transaction's fate. Only a transaction whose {@code commit()}
 * returned is known to be committed. One that failed before {@code commit()} was called cannot
 * have committed; one whose {@code commit()} failed with SQLState class 40 (40001 serialization
 * failure, 40P01 deadlock) was rolled back. Any other failure of {@code commit()} (a lost
 * connection, a timeout) leaves the outcome unknown: it may have committed.
 */
public enum Outcome {
    COMMITTED, ABORTED, INDETERMINATE;

    /** The outcome of a transaction whose {@code commit()} threw {@code e}. */
    public static Outcome ofFailedCommit(SQLException e) {
        return isKnownAbort(e) ? ABORTED : INDETERMINATE;
    }

    /** SQLState class 40 (transaction rollback): the database says the transaction did not commit. */
    public static boolean isKnownAbort(SQLException e) {
        String state = e.getSQLState();
        return state != null && state.startsWith("40");
    }

    /** 40001: a conflict; the same work in a fresh transaction may succeed. */
    public static boolean isSerializationFailure(SQLException e) {
        return "40001".equals(e.getSQLState());
    }
}
