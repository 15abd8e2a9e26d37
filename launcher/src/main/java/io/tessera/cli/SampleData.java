package io.tessera.cli;

import java.io.PrintStream;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.Date;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

/**
 * The demo's sample schema: {@code products} (a small replicated reference table), {@code customers}
 * (hash-sharded on id, indexed by city), {@code orders} (sharded on customer_id and co-located with
 * customers, indexed by product) and the view {@code customer_totals}. Rows are generated from a fixed
 * seed, so every demo has the same data.
 */
final class SampleData {
    static final int PRODUCTS = 24;
    static final int CUSTOMERS = 200;
    static final int ORDERS = 600;

    private static final String PRODUCT_COLUMNS = "id INTEGER PRIMARY KEY, name VARCHAR(80) NOT NULL,"
            + " category VARCHAR(40) NOT NULL, price DECIMAL(10, 2) NOT NULL";
    private static final String ORDER_COLUMNS = "customer_id INTEGER NOT NULL, id INTEGER NOT NULL,"
            + " product_id INTEGER NOT NULL, quantity INTEGER NOT NULL, amount DECIMAL(12, 2) NOT NULL,"
            + " ordered_at TIMESTAMP NOT NULL, PRIMARY KEY (customer_id, id)";
    private static final String NOT_SUPPORTED = "0A000";

    /**
     * The schema, one statement per entry; each entry lists alternatives, best first. A statement
     * failing with SQLState 0A000 (feature not supported, e.g. REPLICATED or COLOCATE WITH while
     * they are not implemented) is retried with the next alternative.
     */
    private static final List<List<String>> DDL = List.of(
            List.of(
                    "CREATE TABLE products (" + PRODUCT_COLUMNS + ") REPLICATED",
                    "CREATE TABLE products (" + PRODUCT_COLUMNS + ") SHARD BY HASH(id) SHARDS 2"),
            List.of("CREATE TABLE customers ("
                    + " id INTEGER PRIMARY KEY, name VARCHAR(80) NOT NULL, email VARCHAR(120),"
                    + " city VARCHAR(40) NOT NULL, signed_up DATE NOT NULL) SHARD BY HASH(id) SHARDS 4"),
            List.of("CREATE INDEX customers_by_city ON customers (city)"),
            List.of(
                    "CREATE TABLE orders (" + ORDER_COLUMNS + ") SHARD BY HASH(customer_id) SHARDS 4 COLOCATE WITH customers",
                    "CREATE TABLE orders (" + ORDER_COLUMNS + ") SHARD BY HASH(customer_id) SHARDS 4"),
            List.of("CREATE INDEX orders_by_product ON orders (product_id)"),
            List.of("CREATE VIEW customer_totals AS"
                    + " SELECT c.id, c.name, c.city, COUNT(o.id) AS orders, COALESCE(SUM(o.amount), 0) AS total"
                    + " FROM customers c LEFT JOIN orders o ON o.customer_id = c.id"
                    + " GROUP BY c.id, c.name, c.city"));

    private static final String[] CATEGORIES = {"books", "games", "garden", "kitchen", "music", "tools"};
    private static final String[] ADJECTIVES = {"Classic", "Compact", "Deluxe", "Eco", "Heavy", "Pocket", "Smart", "Tiny"};
    private static final String[] NOUNS = {"Atlas", "Blender", "Chess Set", "Drill", "Guitar", "Hammock", "Kettle", "Novel",
        "Puzzle", "Rake", "Speaker", "Wrench"};
    private static final String[] FIRST = {"Ada", "Alan", "Barbara", "Claude", "Donald", "Edsger", "Frances", "Grace",
        "John", "Ken", "Leslie", "Margaret", "Niklaus", "Radia", "Tony", "Shafi"};
    private static final String[] LAST = {"Allen", "Dijkstra", "Hamilton", "Hopper", "Knuth", "Lamport", "Liskov",
        "Lovelace", "Perlman", "Ritchie", "Shannon", "Turing", "Wirth"};
    private static final String[] CITIES = {"Amsterdam", "Berlin", "Lisbon", "Madrid", "Oslo", "Paris", "Prague",
        "Rome", "Vienna", "Warsaw"};

    private SampleData() {}

    /** Creates and fills whatever of the sample schema is missing; true when anything was loaded. */
    static boolean loadIfAbsent(String url, PrintStream progress) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, "tessera", "")) {
            Set<String> existing = relations(c);
            if (existing.contains("CUSTOMER_TOTALS")) {
                return false;
            }
            progress.println("Loading the sample schema: " + PRODUCTS + " products, " + CUSTOMERS + " customers, "
                    + ORDERS + " orders ...");
            for (List<String> alternatives : DDL) {
                String name = createdName(alternatives.get(0));
                if (name == null || !existing.contains(name)) {
                    executeFirstSupported(c, alternatives, progress);
                }
            }
            Random random = new Random(42);
            if (isEmpty(c, "products")) {
                loadProducts(c, random);
            }
            if (isEmpty(c, "customers")) {
                loadCustomers(c, random);
            }
            if (isEmpty(c, "orders")) {
                loadOrders(c, random);
            }
            return true;
        }
    }

    private static void executeFirstSupported(Connection c, List<String> alternatives, PrintStream progress)
            throws SQLException {
        for (int i = 0; ; i++) {
            try (Statement s = c.createStatement()) {
                s.execute(alternatives.get(i));
                return;
            } catch (SQLException e) {
                if (!NOT_SUPPORTED.equals(e.getSQLState()) || i + 1 == alternatives.size()) {
                    throw e;
                }
                progress.println("  (" + reason(e) + ": " + createdName(alternatives.get(i)) + " gets a simpler form)");
            }
        }
    }

    /** The frontend's own words, without the "Error while executing SQL ..." wrapping. */
    private static String reason(SQLException e) {
        String m = firstLine(e.getMessage());
        int cut = m.lastIndexOf("\": ");
        return cut < 0 ? m : m.substring(cut + 3);
    }

    static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    /** Tables and views, upper-case. */
    private static Set<String> relations(Connection c) throws SQLException {
        Set<String> names = new HashSet<>();
        DatabaseMetaData md = c.getMetaData();
        try (ResultSet rs = md.getTables(null, null, "%", null)) {
            while (rs.next()) {
                names.add(rs.getString("TABLE_NAME").toUpperCase(Locale.ROOT));
            }
        }
        return names;
    }

    /** The table or view a CREATE TABLE / CREATE VIEW statement creates (null for indexes). */
    private static String createdName(String ddl) {
        String[] words = ddl.split("\\s+");
        if (words.length > 2 && (words[1].equals("TABLE") || words[1].equals("VIEW"))) {
            return words[2].toUpperCase(Locale.ROOT);
        }
        return null;
    }

    private static boolean isEmpty(Connection c, String table) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1) == 0;
        }
    }

    /** The price of product {@code id}, between 1.99 and 201.98. */
    static BigDecimal price(int id) {
        return BigDecimal.valueOf(199 + (id * 7919L) % 20_000, 2);
    }

    private static void loadProducts(Connection c, Random random) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO products VALUES (?, ?, ?, ?)")) {
            for (int id = 1; id <= PRODUCTS; id++) {
                ps.setInt(1, id);
                ps.setString(2, ADJECTIVES[random.nextInt(ADJECTIVES.length)] + " " + NOUNS[(id - 1) % NOUNS.length]);
                ps.setString(3, CATEGORIES[random.nextInt(CATEGORIES.length)]);
                ps.setBigDecimal(4, price(id));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private static void loadCustomers(Connection c, Random random) throws SQLException {
        LocalDate start = LocalDate.of(2023, 1, 1);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO customers VALUES (?, ?, ?, ?, ?)")) {
            for (int id = 1; id <= CUSTOMERS; id++) {
                String first = FIRST[random.nextInt(FIRST.length)];
                String last = LAST[random.nextInt(LAST.length)];
                ps.setInt(1, id);
                ps.setString(2, first + " " + last);
                if (random.nextInt(10) == 0) {
                    ps.setNull(3, java.sql.Types.VARCHAR);
                } else {
                    ps.setString(3, (first + "." + last + id + "@example.com").toLowerCase(Locale.ROOT));
                }
                ps.setString(4, CITIES[random.nextInt(CITIES.length)]);
                ps.setDate(5, Date.valueOf(start.plusDays(random.nextInt(700))));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private static void loadOrders(Connection c, Random random) throws SQLException {
        LocalDateTime start = LocalDateTime.of(2024, 1, 1, 8, 0);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?)")) {
            for (int id = 1; id <= ORDERS; id++) {
                int quantity = 1 + random.nextInt(5);
                int product = 1 + random.nextInt(PRODUCTS);
                ps.setInt(1, 1 + random.nextInt(CUSTOMERS));
                ps.setInt(2, id);
                ps.setInt(3, product);
                ps.setInt(4, quantity);
                ps.setBigDecimal(5, price(product).multiply(BigDecimal.valueOf(quantity)));
                ps.setTimestamp(6, Timestamp.valueOf(start.plusMinutes(random.nextInt(525_600))));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }
}
