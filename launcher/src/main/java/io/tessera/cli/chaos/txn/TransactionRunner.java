package io.tessera.cli.chaos.txn;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * Runs transactions on one JDBC connection (opened lazily, {@code autoCommit=false}, REPEATABLE
 * READ) and says what the client may conclude about each: committed, aborted (it failed before
 * {@code commit()}, or {@code commit()} failed with SQLState class 40) or indeterminate ({@code
 * commit()} failed otherwise). After a failure that may have left the connection in doubt (class 08,
 * an unknown commit outcome, a runtime exception from the driver) it opens a new connection for the
 * next transaction. Not thread-safe: one per client thread.
 */
public final class TransactionRunner implements AutoCloseable {
    /** The body of a transaction: its statements, without commit or rollback. */
    @FunctionalInterface
    public interface Body {
        void run(Connection c) throws SQLException;
    }

    /**
     * What became of one transaction; {@code error} is null when it committed. {@code startNanos}: just
     * before its first statement was sent; {@code endNanos}: when its commit (or failure) returned.
     */
    public record Result(Outcome outcome, Exception error, long startNanos, long endNanos) {
        public boolean committed() {
            return outcome == Outcome.COMMITTED;
        }

        public boolean retryable() {
            return error instanceof SQLException e && Outcome.isSerializationFailure(e);
        }
    }

    private final String url;
    private final int isolation;
    private final ErrorTally errors;
    private Connection connection;
    private long reconnects;

    public TransactionRunner(String url, ErrorTally errors) {
        this(url, Connection.TRANSACTION_REPEATABLE_READ, errors);
    }

    public TransactionRunner(String url, int isolation, ErrorTally errors) {
        this.url = url;
        this.isolation = isolation;
        this.errors = errors;
    }

    public Result run(Body body) {
        long start = System.nanoTime();
        Connection c;
        try {
            c = connection();
        } catch (SQLException | RuntimeException e) {
            errors.record(e);
            drop();
            return new Result(Outcome.ABORTED, e, start, System.nanoTime()); // nothing ran
        }
        start = System.nanoTime();
        try {
            body.run(c);
        } catch (SQLException | RuntimeException e) {
            // commit() was never called, so the transaction cannot have committed.
            errors.record(e);
            rollback(c, e);
            return new Result(Outcome.ABORTED, e, start, System.nanoTime());
        }
        try {
            c.commit();
            return new Result(Outcome.COMMITTED, null, start, System.nanoTime());
        } catch (SQLException e) {
            errors.record(e);
            Outcome outcome = Outcome.ofFailedCommit(e);
            if (outcome == Outcome.INDETERMINATE) {
                drop();
            }
            return new Result(outcome, e, start, System.nanoTime());
        } catch (RuntimeException e) {
            errors.record(e);
            drop();
            return new Result(Outcome.INDETERMINATE, e, start, System.nanoTime());
        }
    }

    private Connection connection() throws SQLException {
        if (connection == null) {
            Connection c = DriverManager.getConnection(url);
            try {
                c.setAutoCommit(false);
                c.setTransactionIsolation(isolation);
            } catch (SQLException | RuntimeException e) {
                c.close();
                throw e;
            }
            connection = c;
        }
        return connection;
    }

    private void rollback(Connection c, Exception cause) {
        boolean inDoubt = cause instanceof RuntimeException
                || (cause instanceof SQLException s && s.getSQLState() != null && s.getSQLState().startsWith("08"));
        try {
            c.rollback();
        } catch (SQLException | RuntimeException e) {
            inDoubt = true;
        }
        if (inDoubt) {
            drop();
        }
    }

    private void drop() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException | RuntimeException e) {
                // gone anyway
            }
            connection = null;
            reconnects++;
        }
    }

    public long reconnects() {
        return reconnects;
    }

    @Override
    public void close() {
        if (connection != null) {
            try {
                connection.rollback();
            } catch (SQLException | RuntimeException e) {
                // closing anyway
            }
        }
        drop();
    }
}
