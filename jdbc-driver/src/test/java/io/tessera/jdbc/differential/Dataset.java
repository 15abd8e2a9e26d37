package io.tessera.jdbc.differential;

import io.tessera.jdbc.differential.Column.Kind;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * The differential schema and its seeded data: the same DDL (plus Tessera's sharding clauses) and the same rows on
 * both engines. The data deliberately contains NULLs in most columns, negative numbers and keys, BIGINT keys beyond
 * the INT range, duplicates in non-key columns, fully duplicated rows in the table without a primary key, and
 * strings with inner, leading and trailing spaces, quotes, LIKE wildcards, non-ASCII characters and empty strings.
 */
final class Dataset {
    static final String[] FIRST = {"Ann", "Bob", "Carla", "Dmitri", "Eve", "Fatima", "Gus", "Hana", "Ivan", "Jo"};
    static final String[] LAST = {"Lee", "Smith", "O'Brien", "van Dyke", "Nguyen", "Müller", "Ørsted", "Kim"};
    static final String[] ODD_NAMES = {"", " ", "a_b%c", "100% sure", "Zoë 🙂", "tab\there", "Ann Lee ", " Ann Lee"};
    static final String[] REGIONS = {"north", "south", "east", "west", "central"};
    static final String[] STATUSES = {"new", "paid", "shipped", "cancelled", "returned", "on hold"};
    static final String[] CATEGORIES = {"tools", "garden", "toys", "books", "food", "home decor"};
    static final String[] KINDS = {"click", "view", "buy", "refund"};
    static final String[] WORDS = {"red", "big", "old", "blue", "tiny", "fast", "lamp", "chair", "pen", "box"};

    final long seed;
    final Table customers = new Table("customers", "c", "id", "SHARD BY HASH(id) SHARDS 4",
            new Column("id", Kind.INT, "INT", false),
            new Column("name", Kind.VARCHAR, "VARCHAR(40)", true),
            new Column("region", Kind.VARCHAR, "VARCHAR(10)", true),
            new Column("score", Kind.INT, "INT", true),
            new Column("created", Kind.DATE, "DATE", true));
    final Table orders = new Table("orders", "o", "id", "SHARD BY HASH(id) SHARDS 6",
            new Column("id", Kind.BIGINT, "BIGINT", false),
            new Column("customer_id", Kind.INT, "INT", true),
            new Column("sku", Kind.INT, "INT", true),
            new Column("amount", Kind.DECIMAL, "DECIMAL(12,2)", true),
            new Column("status", Kind.VARCHAR, "VARCHAR(12)", true),
            new Column("qty", Kind.SMALLINT, "SMALLINT", true),
            new Column("ts", Kind.TIMESTAMP, "TIMESTAMP", true));
    final Table products = new Table("products", "p", "sku", "SHARD BY HASH(sku) SHARDS 3",
            new Column("sku", Kind.INT, "INT", false),
            new Column("title", Kind.VARCHAR, "VARCHAR(40)", true),
            new Column("category", Kind.VARCHAR, "VARCHAR(12)", true),
            new Column("price", Kind.DECIMAL, "DECIMAL(10,2)", true),
            new Column("weight", Kind.DOUBLE, "DOUBLE", true),
            new Column("active", Kind.BOOLEAN, "BOOLEAN", true));
    /** No primary key: Tessera shards it by its hidden row id. */
    final Table events = new Table("events", "e", null, "SHARDS 3",
            new Column("customer_id", Kind.INT, "INT", true),
            new Column("kind", Kind.VARCHAR, "VARCHAR(10)", true),
            new Column("val", Kind.INT, "INT", true),
            new Column("note", Kind.VARCHAR, "VARCHAR(20)", true));

    final List<Table> tables = List.of(customers, orders, products, events);

    Dataset(long seed, int customerCount, int orderCount, int productCount, int eventCount) {
        this.seed = seed;
        products.extraDdl.add("CREATE INDEX idx_products_category ON products (category)");
        orders.extraDdl.add("CREATE INDEX idx_orders_customer ON orders (customer_id)");
        Random r = new Random(seed);
        generateCustomers(r, customerCount);
        generateProducts(r, productCount);
        generateOrders(r, orderCount);
        generateEvents(r, eventCount);
    }

    static Dataset standard(long seed) {
        return new Dataset(seed, 500, 3000, 200, 1000);
    }

    private void generateCustomers(Random r, int n) {
        LocalDate base = LocalDate.of(2015, 1, 1);
        for (int i = 0; i < n; i++) {
            int id = i * 7 - 300; // negative and positive keys
            String name = r.nextInt(100) < 3 ? null
                    : r.nextInt(100) < 4 ? ODD_NAMES[r.nextInt(ODD_NAMES.length)]
                    : FIRST[r.nextInt(FIRST.length)] + " " + LAST[r.nextInt(LAST.length)];
            String region = r.nextInt(100) < 5 ? null : REGIONS[r.nextInt(REGIONS.length)];
            Integer score = r.nextInt(100) < 10 ? null : r.nextInt(1101) - 100;
            LocalDate created = r.nextInt(100) < 5 ? null : base.plusDays(r.nextInt(3650));
            customers.rows.add(new Object[] {id, name, region, score, created});
        }
    }

    private void generateProducts(Random r, int n) {
        for (int i = 0; i < n; i++) {
            int sku = 1000 + i * 13;
            String title = r.nextInt(100) < 4 ? null
                    : WORDS[r.nextInt(WORDS.length)] + " " + WORDS[r.nextInt(WORDS.length)];
            String category = r.nextInt(100) < 6 ? null : CATEGORIES[r.nextInt(CATEGORIES.length)];
            BigDecimal price = r.nextInt(100) < 5 ? null : BigDecimal.valueOf(r.nextInt(100_000), 2);
            Double weight = r.nextInt(100) < 5 ? null : r.nextInt(20_000) / 8.0; // exact binary fractions
            Boolean active = r.nextInt(100) < 5 ? null : r.nextBoolean();
            products.rows.add(new Object[] {sku, title, category, price, weight, active});
        }
    }

    private void generateOrders(Random r, int n) {
        Set<Long> ids = new HashSet<>();
        LocalDateTime base = LocalDateTime.of(2020, 1, 1, 0, 0, 0);
        for (int i = 0; i < n; i++) {
            long id;
            do {
                int shape = r.nextInt(10);
                id = shape < 5 ? r.nextInt(100_000) + 1
                        : shape < 7 ? -(r.nextInt(100_000) + 1)
                        : (r.nextLong() % 1_000_000_000_000L); // beyond the INT range, both signs
            } while (!ids.add(id));
            int cshape = r.nextInt(100);
            Integer customerId = cshape < 5 ? null
                    : cshape < 13 ? 90_000 + r.nextInt(50) // dangling reference
                    : (Integer) customers.rows.get(r.nextInt(customers.rows.size()))[0];
            Integer sku = r.nextInt(100) < 8 ? null
                    : r.nextInt(100) < 5 ? 999_999 : (Integer) products.rows.get(r.nextInt(products.rows.size()))[0];
            int ashape = r.nextInt(100);
            BigDecimal amount = ashape < 5 ? null
                    : ashape < 15 ? BigDecimal.valueOf(100L * (r.nextInt(5) + 1), 0).setScale(2) // duplicates
                    : ashape < 20 ? BigDecimal.valueOf(-r.nextInt(50_000), 2)
                    : BigDecimal.valueOf(r.nextInt(1_000_000), 2);
            String status = r.nextInt(100) < 4 ? null : STATUSES[r.nextInt(STATUSES.length)];
            Short qty = r.nextInt(100) < 5 ? null : (short) (r.nextInt(56) - 5);
            LocalDateTime ts = r.nextInt(100) < 3 ? null : base.plusSeconds(r.nextInt(3 * 365 * 24 * 3600));
            orders.rows.add(new Object[] {id, customerId, sku, amount, status, qty, ts});
        }
    }

    private void generateEvents(Random r, int n) {
        for (int i = 0; i < n; i++) {
            if (i > 0 && r.nextInt(100) < 25) {
                events.rows.add(events.rows.get(r.nextInt(i)).clone()); // exact duplicate row
                continue;
            }
            Integer customerId = r.nextInt(100) < 5 ? null
                    : (Integer) customers.rows.get(r.nextInt(customers.rows.size()))[0];
            String kind = r.nextInt(100) < 5 ? null : KINDS[r.nextInt(KINDS.length)];
            Integer val = r.nextInt(100) < 8 ? null : r.nextInt(2001) - 1000;
            String note = r.nextInt(100) < 30 ? null : WORDS[r.nextInt(WORDS.length)] + (r.nextBoolean() ? " " : "")
                    + (r.nextBoolean() ? WORDS[r.nextInt(WORDS.length)] : "");
            events.rows.add(new Object[] {customerId, kind, val, note});
        }
    }

    /** Creates the schema on one engine. */
    void createSchema(Connection c, Dialect dialect) throws SQLException {
        try (Statement st = c.createStatement()) {
            for (Table t : tables) {
                execute(st, t.createTable(dialect));
                for (String ddl : t.extraDdl) {
                    execute(st, ddl);
                }
            }
        }
    }

    private static void execute(Statement st, String sql) throws SQLException {
        try {
            st.execute(sql);
        } catch (SQLException e) {
            throw new SQLException("DDL failed: " + sql + ": " + e.getMessage(), e.getSQLState(), e);
        }
    }

    /** Loads all rows through PreparedStatement batches. */
    void load(Connection c) throws SQLException {
        for (Table t : tables) {
            load(c, t, t.rows);
        }
    }

    static void load(Connection c, Table t, List<Object[]> rows) throws SQLException {
        String sql = t.insertSql();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int inBatch = 0;
            for (Object[] row : rows) {
                for (int i = 0; i < row.length; i++) {
                    bind(ps, i + 1, t.columns.get(i).kind(), row[i]);
                }
                ps.addBatch();
                if (++inBatch == 250) {
                    executeBatch(ps, sql, inBatch);
                    inBatch = 0;
                }
            }
            if (inBatch > 0) {
                executeBatch(ps, sql, inBatch);
            }
        }
        if (!c.getAutoCommit()) {
            c.commit();
        }
    }

    private static void executeBatch(PreparedStatement ps, String sql, int expected) throws SQLException {
        int[] counts;
        try {
            counts = ps.executeBatch();
        } catch (SQLException e) {
            throw new SQLException("batch failed: " + sql + ": " + e.getMessage(), e.getSQLState(), e);
        }
        if (counts.length != expected) {
            throw new SQLException("executeBatch returned " + counts.length + " counts for " + expected
                    + " rows: " + sql);
        }
        for (int count : counts) {
            if (count != 1 && count != Statement.SUCCESS_NO_INFO) {
                throw new SQLException("executeBatch count " + count + " (expected 1) for " + sql);
            }
        }
    }

    static void bind(PreparedStatement ps, int index, Kind kind, Object v) throws SQLException {
        switch (kind) {
            case INT -> {
                if (v == null) ps.setNull(index, Types.INTEGER); else ps.setInt(index, (Integer) v);
            }
            case BIGINT -> {
                if (v == null) ps.setNull(index, Types.BIGINT); else ps.setLong(index, (Long) v);
            }
            case SMALLINT -> {
                if (v == null) ps.setNull(index, Types.SMALLINT); else ps.setShort(index, (Short) v);
            }
            case DECIMAL -> {
                if (v == null) ps.setNull(index, Types.DECIMAL); else ps.setBigDecimal(index, (BigDecimal) v);
            }
            case DOUBLE -> {
                if (v == null) ps.setNull(index, Types.DOUBLE); else ps.setDouble(index, (Double) v);
            }
            case VARCHAR -> {
                if (v == null) ps.setNull(index, Types.VARCHAR); else ps.setString(index, (String) v);
            }
            case DATE -> {
                if (v == null) ps.setNull(index, Types.DATE); else ps.setDate(index, Date.valueOf((LocalDate) v));
            }
            case TIMESTAMP -> {
                if (v == null) {
                    ps.setNull(index, Types.TIMESTAMP);
                } else {
                    ps.setTimestamp(index, Timestamp.valueOf((LocalDateTime) v));
                }
            }
            case BOOLEAN -> {
                if (v == null) ps.setNull(index, Types.BOOLEAN); else ps.setBoolean(index, (Boolean) v);
            }
            default -> throw new IllegalArgumentException(kind.toString());
        }
    }

    /** Reads the current contents of a table back into the value types used by the generator (for resyncing). */
    static List<Object[]> read(Connection c, Table t) throws SQLException {
        List<Object[]> rows = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT * FROM " + t.name)) {
            while (rs.next()) {
                Object[] row = new Object[t.columns.size()];
                for (int i = 0; i < row.length; i++) {
                    int j = i + 1;
                    Object v = switch (t.columns.get(i).kind()) {
                        case INT -> rs.getInt(j);
                        case BIGINT -> rs.getLong(j);
                        case SMALLINT -> rs.getShort(j);
                        case DECIMAL -> rs.getBigDecimal(j);
                        case DOUBLE -> rs.getDouble(j);
                        case VARCHAR -> rs.getString(j);
                        case DATE -> {
                            Date d = rs.getDate(j);
                            yield d == null ? null : d.toLocalDate();
                        }
                        case TIMESTAMP -> {
                            Timestamp ts = rs.getTimestamp(j);
                            yield ts == null ? null : ts.toLocalDateTime();
                        }
                        case BOOLEAN -> rs.getBoolean(j);
                    };
                    row[i] = rs.wasNull() ? null : v;
                }
                rows.add(row);
            }
        }
        return rows;
    }

    /** Some values of a column as they occur in the data (NULLs skipped), for literals that hit rows. */
    List<Object> values(Table t, Column c) {
        int i = t.indexOf(c);
        List<Object> out = new ArrayList<>();
        for (Object[] row : t.rows) {
            if (row[i] != null) {
                out.add(row[i]);
            }
        }
        return out;
    }
}
