package io.tessera.jdbc.differential;

import io.tessera.jdbc.differential.QueryGenerator.Src;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A seeded generator of INSERT/UPDATE/DELETE statements over the {@link Dataset} schema. Statements touch the
 * primary key (point updates, key updates that move a row to another shard, duplicate-key inserts that must
 * fail), the indexed columns, the table without a primary key (duplicate rows), and use subqueries in WHERE and
 * SET and INSERT ... SELECT. DELETEs are narrowed with a MOD filter so the tables do not empty out.
 */
final class DmlGenerator {

    /** One DML statement and the tables whose contents it may change. */
    record DmlStatement(String label, String sql, List<Table> touched) {
        /** Hand-written statements that both engines must reject (constraint or range violations). */
        boolean mustFail() {
            return label.contains("(must fail");
        }
    }

    private final Dataset data;
    private final QueryGenerator q;
    private final Random r;
    private long newOrderId = 2_000_000_000_000L;
    private int newSku = 100_000;
    private int newCustomer = 700_000;
    private int copyRound = 0;

    DmlGenerator(Dataset data, long seed) {
        this.data = data;
        this.q = new QueryGenerator(data);
        this.r = new Random(seed);
        q.useRandom(r);
    }

    /** Hand-written statements covering each DML feature at least once; run before the generated ones. */
    List<DmlStatement> handWritten() {
        Table o = data.orders;
        Table c = data.customers;
        Table p = data.products;
        Table e = data.events;
        long firstOrder = (Long) o.rows.get(0)[0];
        long secondOrder = (Long) o.rows.get(1)[0];
        List<DmlStatement> out = new ArrayList<>();
        out.add(s("point UPDATE by key", "UPDATE orders SET amount = amount * 2, status = 'edited' WHERE id = "
                + firstOrder, o));
        out.add(s("UPDATE of a missing key (0 rows)", "UPDATE orders SET qty = 1 WHERE id = 42424242424242", o));
        out.add(s("UPDATE many rows across shards", "UPDATE orders SET qty = qty + 1 WHERE status = 'paid'", o));
        out.add(s("UPDATE setting NULL and a TIMESTAMP", "UPDATE orders SET amount = NULL, ts = TIMESTAMP "
                + "'2024-02-29 23:59:59' WHERE id IN (" + firstOrder + ", " + secondOrder + ")", o));
        out.add(s("UPDATE with CASE", "UPDATE customers SET score = CASE WHEN score IS NULL THEN 0 ELSE score + 10 END "
                + "WHERE region = 'north'", c));
        out.add(s("UPDATE of the indexed column", "UPDATE products SET category = 'garden' WHERE category = 'toys'", p));
        out.add(s("UPDATE of an indexed column to NULL", "UPDATE products SET category = NULL WHERE sku = 1013", p));
        out.add(s("UPDATE with an IN subquery", "UPDATE orders SET status = 'vip' WHERE customer_id IN "
                + "(SELECT id FROM customers WHERE score > 900)", o));
        out.add(s("UPDATE with a scalar subquery in SET", "UPDATE orders SET customer_id = (SELECT MIN(id) FROM "
                + "customers WHERE region = 'east') WHERE status = 'returned' AND qty < 3", o));
        out.add(s("UPDATE of the primary key (row changes shard)", "UPDATE customers SET id = id + 500000 WHERE id = 8",
                c));
        out.add(s("UPDATE of the table without primary key (duplicate rows)", "UPDATE events SET val = val + 1 "
                + "WHERE kind = 'click'", e));
        out.add(s("DELETE by key", "DELETE FROM customers WHERE id = 15", c));
        out.add(s("DELETE with a filter", "DELETE FROM orders WHERE status = 'cancelled' AND amount < 100", o));
        out.add(s("DELETE duplicate rows", "DELETE FROM events WHERE kind = 'refund' AND val > 500", e));
        out.add(s("DELETE with NOT EXISTS", "DELETE FROM products WHERE NOT EXISTS (SELECT 1 FROM orders "
                + "WHERE orders.sku = products.sku) AND category = 'books'", p));
        out.add(s("multi-row INSERT", "INSERT INTO orders (id, customer_id, sku, amount, status, qty, ts) VALUES "
                + "(" + nextOrderId() + ", 1, 1000, 12.34, 'new', 3, TIMESTAMP '2023-01-01 10:00:00'), "
                + "(" + nextOrderId() + ", NULL, NULL, NULL, NULL, NULL, NULL), "
                + "(" + -nextOrderId() + ", -6, 1013, -0.01, 'on hold', -5, TIMESTAMP '2019-12-31 23:59:59')", o));
        out.add(s("INSERT without a column list", "INSERT INTO products VALUES (" + nextSku() + ", 'new thing', "
                + "'tools', 9.99, 0.125, TRUE)", p));
        out.add(s("INSERT of identical rows into the table without primary key", "INSERT INTO events VALUES "
                + "(1, 'view', 7, 'dup'), (1, 'view', 7, 'dup'), (NULL, NULL, NULL, NULL)", e));
        out.add(s("INSERT ... SELECT", "INSERT INTO events SELECT customer_id, 'copy', qty, status FROM orders "
                + "WHERE qty > 45", o, e));
        out.add(s("INSERT ... SELECT into the sharded key space", "INSERT INTO customers (id, name, region, score, "
                + "created) SELECT id + " + nextCopyOffset() + ", name, region, score, created FROM customers "
                + "WHERE id < 100000 AND region = 'west'", c));
        out.add(s("INSERT of a duplicate key (must fail)", "INSERT INTO customers (id, name) VALUES (1, 'dup')", c));
        out.add(s("INSERT of a duplicate key within a multi-row INSERT (must fail as a whole)",
                "INSERT INTO customers (id, name) VALUES (" + nextCustomer() + ", 'ok'), (-6, 'dup')", c));
        out.add(s("UPDATE producing a SMALLINT overflow (must fail)", "UPDATE orders SET qty = qty * 1000 "
                + "WHERE qty > 40", o));
        out.add(s("UPDATE of the key onto an existing key (must fail)", "UPDATE customers SET id = 1 WHERE id = 22", c));
        return out;
    }

    /** The next generated statement. */
    DmlStatement next(int index) {
        String label = "generated DML #" + index;
        Table o = data.orders;
        Table c = data.customers;
        Table p = data.products;
        Table e = data.events;
        Src so = new Src(o, null);
        Src sc = new Src(c, null);
        Src sp = new Src(p, null);
        Src se = new Src(e, null);
        return switch (r.nextInt(24)) {
            case 0, 1 -> s(label, "UPDATE orders SET status = " + q.lit(o, o.column("status")) + ", qty = qty + 1 "
                    + "WHERE " + q.pred(List.of(so), 2), o);
            case 2 -> s(label, "UPDATE orders SET amount = amount * 2 WHERE id = " + q.lit(o, o.primaryKey), o);
            case 3 -> s(label, "UPDATE orders SET amount = NULL, ts = " + SqlLiterals.literal(q.randomValue(
                    Column.Kind.TIMESTAMP)) + " WHERE id IN (" + q.lit(o, o.primaryKey) + ", " + q.lit(o, o.primaryKey)
                    + ")", o);
            case 4 -> s(label, "UPDATE customers SET score = CASE WHEN score IS NULL THEN 0 ELSE score + 10 END, "
                    + "region = " + q.lit(c, c.column("region")) + " WHERE " + q.pred(List.of(sc), 1), c);
            case 5 -> s(label, "UPDATE products SET category = " + (r.nextInt(4) == 0 ? "NULL"
                    : q.lit(p, p.column("category"))) + " WHERE category = " + q.lit(p, p.column("category"))
                    + " AND MOD(sku, 3) = " + r.nextInt(3), p);
            case 6 -> s(label, "UPDATE products SET price = price + 1, active = NOT active WHERE category IN ("
                    + q.lit(p, p.column("category")) + ", " + q.lit(p, p.column("category")) + ")", p);
            case 7 -> s(label, "UPDATE orders SET customer_id = (SELECT MIN(id) FROM customers WHERE "
                    + q.pred(List.of(sc), 1) + ") WHERE " + q.pred(List.of(so), 1) + " AND MOD(id, 11) = "
                    + r.nextInt(11), o);
            case 8 -> s(label, "UPDATE orders SET status = 'vip' WHERE customer_id IN (SELECT id FROM customers "
                    + "WHERE " + q.pred(List.of(sc), 1) + ")", o);
            case 9, 10 -> s(label, "DELETE FROM orders WHERE " + q.pred(List.of(so), 2) + " AND MOD(id, 17) = "
                    + r.nextInt(17), o);
            case 11 -> s(label, "DELETE FROM customers WHERE id = " + q.lit(c, c.primaryKey), c);
            case 12 -> s(label, "DELETE FROM events WHERE " + q.pred(List.of(se), 1) + " AND MOD(val, 9) = "
                    + r.nextInt(9), e);
            case 13 -> s(label, "UPDATE events SET val = val + 1, note = 'touched' WHERE " + q.pred(List.of(se), 1), e);
            case 14 -> s(label, insertOrders(1 + r.nextInt(5)), o);
            case 15 -> s(label, "INSERT INTO events SELECT customer_id, 'copy', qty, status FROM orders WHERE "
                    + q.pred(List.of(so), 1) + " AND MOD(id, 23) = " + r.nextInt(23), o, e);
            case 16 -> s(label, "INSERT INTO customers (id, name, region, score, created) SELECT id + "
                    + nextCopyOffset() + ", name, region, score, created FROM customers WHERE id < 100000 AND "
                    + q.pred(List.of(sc), 1) + " AND MOD(id, 13) = " + r.nextInt(13), c);
            case 17 -> s(label, "UPDATE customers SET id = -id - 1000000 WHERE id = " + q.lit(c, c.primaryKey), c);
            case 18 -> s(label, "UPDATE customers SET name = UPPER(name) || ' x', score = score - 1 WHERE "
                    + q.pred(List.of(sc), 2), c);
            case 19 -> s(label, "UPDATE orders SET qty = qty * 2 WHERE customer_id = " + q.lit(o, o.column(
                    "customer_id")), o);
            case 20 -> s(label, "UPDATE orders SET customer_id = " + q.lit(c, c.primaryKey) + " WHERE id IN ("
                    + q.lit(o, o.primaryKey) + ", " + q.lit(o, o.primaryKey) + ", " + q.lit(o, o.primaryKey) + ")", o);
            case 21 -> s(label, "INSERT INTO products (sku, title, category, price, weight, active) VALUES ("
                    + nextSku() + ", " + literal(p, "title") + ", " + literal(p, "category") + ", "
                    + literal(p, "price") + ", " + literal(p, "weight") + ", " + literal(p, "active") + ")", p);
            case 22 -> s(label, "DELETE FROM products WHERE category = " + q.lit(p, p.column("category"))
                    + " AND MOD(sku, 2) = " + r.nextInt(2), p);
            default -> s(label, "INSERT INTO customers VALUES (" + (r.nextInt(3) == 0 ? q.lit(c, c.primaryKey)
                    : String.valueOf(nextCustomer())) + ", " + literal(c, "name") + ", " + literal(c, "region")
                    + ", " + literal(c, "score") + ", " + literal(c, "created") + ")", c);
        };
    }

    boolean nextBoolean() {
        return r.nextBoolean();
    }

    int nextInt(int bound) {
        return r.nextInt(bound);
    }

    private String insertOrders(int n) {
        StringBuilder sb = new StringBuilder("INSERT INTO orders (id, customer_id, sku, amount, status, qty, ts) VALUES ");
        Table o = data.orders;
        for (int i = 0; i < n; i++) {
            long id = r.nextBoolean() ? nextOrderId() : -nextOrderId();
            sb.append(i > 0 ? ", " : "").append('(').append(id).append(", ").append(literal(o, "customer_id"))
                    .append(", ").append(literal(o, "sku")).append(", ").append(literal(o, "amount"))
                    .append(", ").append(literal(o, "status")).append(", ").append(literal(o, "qty"))
                    .append(", ").append(literal(o, "ts")).append(')');
        }
        return sb.toString();
    }

    /** A literal of the column's kind; NULL one time in six. */
    private String literal(Table t, String column) {
        if (r.nextInt(6) == 0) {
            return "NULL";
        }
        Column col = t.column(column);
        return q.lit(t, col);
    }

    private long nextOrderId() {
        return newOrderId++;
    }

    private int nextSku() {
        return newSku++;
    }

    private int nextCustomer() {
        return newCustomer++;
    }

    /** Offsets for INSERT ... SELECT copies of customers with id < 100000, never colliding with each other. */
    private int nextCopyOffset() {
        return 100_000 * ++copyRound;
    }

    private static DmlStatement s(String label, String sql, Table... touched) {
        return new DmlStatement(label, sql, List.of(touched));
    }
}
