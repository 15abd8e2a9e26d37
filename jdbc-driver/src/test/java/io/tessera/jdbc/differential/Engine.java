package io.tessera.jdbc.differential;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One engine under comparison, reached through plain JDBC. Statements run on a worker thread so that a hanging
 * statement is reported as a timeout (and the connection replaced) instead of stalling the whole build.
 */
final class Engine implements AutoCloseable {
    final String name;
    final String url;
    final Dialect dialect;
    private final long timeoutMillis;
    private Connection connection;
    private ExecutorService worker;

    Engine(String name, String url, long timeoutMillis) throws SQLException {
        this.name = name;
        this.url = url;
        this.dialect = url.startsWith("jdbc:tessera:") ? Dialect.TESSERA : Dialect.H2;
        this.timeoutMillis = timeoutMillis;
        this.connection = DriverManager.getConnection(url);
        this.worker = newWorker();
    }

    private ExecutorService newWorker() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "differential-" + name);
            t.setDaemon(true);
            return t;
        });
    }

    Connection connection() {
        return connection;
    }

    /** Runs a query; never throws: errors and timeouts are part of the result. */
    QueryResult query(String sql) {
        long start = System.nanoTime();
        try {
            return run(() -> {
                try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                    return QueryResult.read(rs, start);
                }
            });
        } catch (Throwable e) {
            return QueryResult.failed(e, (System.nanoTime() - start) / 1000);
        }
    }

    /** Runs a DML statement and returns its update count; throws what the engine threw (or a timeout). */
    long update(String sql) throws Exception {
        return run(() -> {
            try (Statement st = connection.createStatement()) {
                return st.executeLargeUpdate(sql);
            }
        });
    }

    /** Executes a statement whose result does not matter (DDL, transaction control). */
    void execute(String sql) throws Exception {
        run(() -> {
            try (Statement st = connection.createStatement()) {
                st.execute(sql);
                return null;
            }
        });
    }

    interface Work<T> {
        T call() throws Exception;
    }

    <T> T run(Work<T> work) throws Exception {
        Future<T> f = worker.submit(work::call);
        try {
            return f.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            throw new SQLException(cause.toString(), cause); // an Error (AssertionError, StackOverflowError, ...)
        } catch (TimeoutException e) {
            f.cancel(true);
            abandonConnection();
            throw new TimeoutException(name + " did not answer within " + timeoutMillis + " ms");
        }
    }

    /** After a timeout the old connection may still be busy: leave it to its thread and open a new one. */
    private void abandonConnection() throws SQLException {
        Connection old = connection;
        ExecutorService oldWorker = worker;
        Thread closer = new Thread(() -> {
            try {
                old.close();
            } catch (Throwable ignored) {
                // best effort
            }
            oldWorker.shutdownNow();
        }, "differential-abandon-" + name);
        closer.setDaemon(true);
        closer.start();
        worker = newWorker();
        connection = DriverManager.getConnection(url);
    }

    /** EXPLAIN output for the report, or the reason there is none. */
    String explain(String sql) {
        QueryResult plan = query("EXPLAIN PLAN FOR " + sql);
        if (plan.failed()) {
            return "(EXPLAIN failed: " + Failures.summary(plan.error()) + ")";
        }
        StringBuilder sb = new StringBuilder();
        for (var row : plan.rows()) {
            sb.append(row.get(0)).append('\n');
        }
        String s = sb.toString().strip();
        return s.length() > 4000 ? s.substring(0, 4000) + " ..." : s;
    }

    @Override
    public void close() {
        worker.shutdownNow();
        try {
            connection.close();
        } catch (SQLException ignored) {
            // closing is best effort
        }
    }
}
