package io.tessera.bench.workload;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The JDBC operations measured by the JMH benchmarks, the same SQL text and the same prepared
 * statements for every peer. Each returns a value derived from the rows read so nothing is dead code.
 */
public final class Operations {
    public static final String POINT_PK = "SELECT id, k, grp, name, amount FROM bench_item WHERE id = ?";
    public static final String POINT_INDEX = "SELECT id, name, amount FROM bench_item WHERE k = ?";
    public static final String INSERT = "INSERT INTO bench_ins (id, k, name, amount) VALUES (?, ?, ?, ?)";
    public static final String UPDATE = "UPDATE bench_item SET amount = ? WHERE id = ?";
    public static final String RANGE = "SELECT id, name, amount FROM bench_item WHERE id >= ? ORDER BY id LIMIT 10";
    public static final String AGGREGATE = "SELECT grp, COUNT(*), SUM(amount) FROM bench_item GROUP BY grp";
    public static final String JOIN = "SELECT i.name, d.line, d.qty, d.price FROM bench_item i "
            + "JOIN bench_detail d ON d.item_id = i.id WHERE i.id = ?";
    public static final String TXN_READ = "SELECT amount FROM bench_item WHERE id = ?";

    /** Rows per batched insert. */
    public static final int BATCH = 50;

    /** Operation names, in report order (the JMH method names). */
    public static final List<String> NAMES = List.of("pointSelectPk", "pointSelectIndex", "insert", "batchInsert",
            "updateByKey", "rangeScanOrderLimit", "groupByAggregate", "join", "transaction", "transactionOneRow",
            "transactionWritesAutocommit");

    private final long rows;
    private final AtomicLong nextInsertId;

    /** {@code rows}: items loaded; {@code nextInsertId}: shared source of fresh bench_ins keys. */
    public Operations(long rows, AtomicLong nextInsertId) {
        this.rows = rows;
        this.nextInsertId = nextInsertId;
    }

    private long anyId(SplittableRandom r) {
        return r.nextLong(rows);
    }

    public long pointSelectPk(Session s, SplittableRandom r) throws SQLException {
        PreparedStatement ps = s.ps(POINT_PK);
        ps.setLong(1, anyId(r));
        return sum(ps);
    }

    public long pointSelectIndex(Session s, SplittableRandom r) throws SQLException {
        PreparedStatement ps = s.ps(POINT_INDEX);
        ps.setInt(1, Schema.k(anyId(r)));
        return sum(ps);
    }

    public int insert(Session s, SplittableRandom r) throws SQLException {
        PreparedStatement ps = s.ps(INSERT);
        bindInsert(ps, nextInsertId.getAndIncrement());
        return ps.executeUpdate();
    }

    public int batchInsert(Session s, SplittableRandom r) throws SQLException {
        PreparedStatement ps = s.ps(INSERT);
        long first = nextInsertId.getAndAdd(BATCH);
        for (int i = 0; i < BATCH; i++) {
            bindInsert(ps, first + i);
            ps.addBatch();
        }
        int n = 0;
        for (int c : ps.executeBatch()) {
            n += c;
        }
        return n;
    }

    private static void bindInsert(PreparedStatement ps, long id) throws SQLException {
        ps.setLong(1, id);
        ps.setInt(2, Schema.k(id));
        ps.setString(3, Schema.name(id));
        ps.setBigDecimal(4, Schema.amount(id));
    }

    public int updateByKey(Session s, SplittableRandom r) throws SQLException {
        PreparedStatement ps = s.ps(UPDATE);
        ps.setBigDecimal(1, BigDecimal.valueOf(r.nextInt(100_000), 2));
        ps.setLong(2, anyId(r));
        return ps.executeUpdate();
    }

    public long rangeScanOrderLimit(Session s, SplittableRandom r) throws SQLException {
        PreparedStatement ps = s.ps(RANGE);
        ps.setLong(1, r.nextLong(Math.max(1, rows - 10)));
        return sum(ps);
    }

    public long groupByAggregate(Session s, SplittableRandom r) throws SQLException {
        return sum(s.ps(AGGREGATE));
    }

    public long join(Session s, SplittableRandom r) throws SQLException {
        PreparedStatement ps = s.ps(JOIN);
        ps.setLong(1, anyId(r));
        return sum(ps);
    }

    /**
     * Move an amount between two random items and record it: 2 reads, 2 updates, 1 insert, commit. The
     * three rows are on up to three shards of a sharded system: a multi-shard transaction.
     */
    public long transaction(Session s, SplittableRandom r) throws SQLException {
        return inTransaction(s, () -> moveAmount(s, r));
    }

    /**
     * Read one random item and update it, commit: a transaction on one row, hence on one shard of
     * any sharded system (the fair "single-shard transaction" for every peer).
     */
    public long transactionOneRow(Session s, SplittableRandom r) throws SQLException {
        return inTransaction(s, () -> {
            long a = anyId(r);
            BigDecimal amount = readAmount(s.ps(TXN_READ), a);
            PreparedStatement upd = s.ps(UPDATE);
            upd.setBigDecimal(1, amount.add(BigDecimal.ONE).min(BigDecimal.valueOf(9_999_999, 2)));
            upd.setLong(2, a);
            upd.executeUpdate();
            return a;
        });
    }

    /**
     * The statements of {@link #transaction} with autocommit on: each its own transaction, nothing
     * atomic. Against {@code transaction}, this is what the transaction layer costs.
     */
    public long transactionWritesAutocommit(Session s, SplittableRandom r) throws SQLException {
        return moveAmount(s, r);
    }

    private long moveAmount(Session s, SplittableRandom r) throws SQLException {
        long a = anyId(r);
        long b = anyId(r);
        PreparedStatement read = s.ps(TXN_READ);
        BigDecimal amountA = readAmount(read, a);
        BigDecimal amountB = readAmount(read, b);
        BigDecimal delta = BigDecimal.ONE;
        PreparedStatement upd = s.ps(UPDATE);
        upd.setBigDecimal(1, amountA.subtract(delta).max(BigDecimal.ZERO));
        upd.setLong(2, a);
        upd.executeUpdate();
        upd.setBigDecimal(1, amountB.add(delta).min(BigDecimal.valueOf(9_999_999, 2)));
        upd.setLong(2, b);
        upd.executeUpdate();
        PreparedStatement ins = s.ps(INSERT);
        bindInsert(ins, nextInsertId.getAndIncrement());
        ins.executeUpdate();
        return a ^ b;
    }

    /** The body of a transaction: statements only, commit and rollback are around it. */
    private interface Work {
        long run() throws SQLException;
    }

    /** autocommit off, the work, commit; rollback when it failed; autocommit on again. */
    private static long inTransaction(Session s, Work work) throws SQLException {
        Connection c = s.connection();
        c.setAutoCommit(false);
        boolean done = false;
        try {
            long result = work.run();
            c.commit();
            done = true;
            return result;
        } finally {
            if (!done) {
                try {
                    c.rollback();
                } catch (SQLException ignored) {
                    // the original failure matters
                }
            }
            c.setAutoCommit(true);
        }
    }

    private static BigDecimal readAmount(PreparedStatement ps, long id) throws SQLException {
        ps.setLong(1, id);
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getBigDecimal(1) : BigDecimal.ZERO;
        }
    }

    /** Reads every row and column; returns a checksum-ish count. */
    private static long sum(PreparedStatement ps) throws SQLException {
        long n = 0;
        try (ResultSet rs = ps.executeQuery()) {
            int cols = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                for (int i = 1; i <= cols; i++) {
                    Object o = rs.getObject(i);
                    n += o == null ? 0 : 1;
                }
            }
        }
        return n;
    }

    /** Serialization failures (SQLState 40001) retried per operation, as applications and frameworks do. */
    public static final int MAX_SERIALIZATION_RETRIES = 10;

    /**
     * Runs one named operation; a serialization failure (40001, e.g. two updates of one key racing)
     * is retried like an application would, with the same work, up to {@link #MAX_SERIALIZATION_RETRIES}.
     */
    public long run(String name, Session s, SplittableRandom r) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            try {
                return once(name, s, r);
            } catch (SQLException e) {
                if (!"40001".equals(e.getSQLState()) || attempt > MAX_SERIALIZATION_RETRIES) {
                    throw e;
                }
            }
        }
    }

    private long once(String name, Session s, SplittableRandom r) throws SQLException {
        switch (name) {
            case "pointSelectPk": return pointSelectPk(s, r);
            case "pointSelectIndex": return pointSelectIndex(s, r);
            case "insert": return insert(s, r);
            case "batchInsert": return batchInsert(s, r);
            case "updateByKey": return updateByKey(s, r);
            case "rangeScanOrderLimit": return rangeScanOrderLimit(s, r);
            case "groupByAggregate": return groupByAggregate(s, r);
            case "join": return join(s, r);
            case "transaction": return transaction(s, r);
            case "transactionOneRow": return transactionOneRow(s, r);
            case "transactionWritesAutocommit": return transactionWritesAutocommit(s, r);
            default: throw new IllegalArgumentException("unknown operation " + name);
        }
    }
}
