package io.tessera.jdbc.differential;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A fixed list of queries that covers every feature of the differential test at least once, with the corner cases
 * a random generator hits only by luck: NOT IN over a subquery containing NULL, empty inputs to aggregates,
 * OFFSET past the end, LIMIT 0, top-N with NULLs across shards, keys beyond the INT range, LIKE with ESCAPE, IN
 * lists long enough to be planned as a join, string literals of different lengths, INTERSECT precedence, ...
 */
final class HandWrittenQueries {
    private HandWrittenQueries() {
    }

    static List<DiffQuery> all(Dataset data) {
        List<Long> orderIds = data.orders.rows.stream().map(r -> (Long) r[0]).collect(Collectors.toList());
        long firstOrder = orderIds.get(0);
        long minOrder = orderIds.stream().min(Comparator.naturalOrder()).orElseThrow();
        long maxOrder = orderIds.stream().max(Comparator.naturalOrder()).orElseThrow();
        String someOrders = orderIds.subList(10, 16).stream().map(String::valueOf).collect(Collectors.joining(", "));
        String manyCustomers = data.customers.rows.subList(100, 130).stream().map(r -> String.valueOf(r[0]))
                .collect(Collectors.joining(", "));
        LocalDateTime someTs = (LocalDateTime) data.orders.rows.stream().filter(r -> r[6] != null)
                .findFirst().orElseThrow()[6];

        List<String[]> q = new ArrayList<>();
        // --- scans, point lookups and shard pruning on the primary key
        q.add(o("full scan, ordered by the key", "SELECT * FROM customers ORDER BY id"));
        q.add(u("full scan of the 6-shard table", "SELECT * FROM orders"));
        q.add(u("full scan of the table without primary key (duplicate rows)", "SELECT * FROM events"));
        q.add(o("count of the table without primary key", "SELECT COUNT(*) FROM events"));
        q.add(o("point lookup INT key", "SELECT id, name FROM customers WHERE id = 1"));
        q.add(o("point lookup negative INT key", "SELECT * FROM customers WHERE id = -6"));
        q.add(o("point lookup on a missing key", "SELECT * FROM customers WHERE id = 0"));
        q.add(o("point lookup BIGINT key", "SELECT * FROM orders WHERE id = " + firstOrder));
        q.add(o("point lookup on the smallest BIGINT key", "SELECT * FROM orders WHERE id = " + minOrder));
        q.add(o("point lookup on the largest BIGINT key", "SELECT id, amount FROM orders WHERE " + maxOrder + " = id"));
        q.add(o("IN list on the key (several shards, one missing key)",
                "SELECT id, status FROM orders WHERE id IN (" + someOrders + ", 123456789012345) ORDER BY id"));
        q.add(o("OR of key equalities", "SELECT id FROM orders WHERE id = " + firstOrder + " OR id = " + maxOrder
                + " OR id = -1 ORDER BY id"));
        q.add(o("key range and key inequality", "SELECT id, status FROM orders WHERE id <> " + firstOrder
                + " AND id BETWEEN -1000 AND 1000 ORDER BY id"));
        q.add(o("negative keys descending", "SELECT id FROM customers WHERE id < 0 ORDER BY id DESC"));
        q.add(o("key equality and a non-key filter", "SELECT * FROM customers WHERE id = 8 AND score IS NOT NULL"));
        q.add(o("contradictory key filter", "SELECT * FROM customers WHERE id = 1 AND id = 8"));
        q.add(o("key equality on an expression of the key", "SELECT id FROM customers WHERE id + 0 = 15"));
        // --- filters
        q.add(o("IS NULL", "SELECT id, score FROM customers WHERE score IS NULL ORDER BY id"));
        q.add(o("NOT over OR with NULLs", "SELECT id, score FROM customers WHERE score IS NOT NULL AND NOT "
                + "(score > 100 OR score < 0) ORDER BY id"));
        q.add(o("three-valued NOT", "SELECT COUNT(*) FROM customers WHERE NOT (score > 100)"));
        q.add(o("IS NOT TRUE on a comparison with NULLs", "SELECT COUNT(*) FROM customers WHERE (score > 100) IS NOT TRUE"));
        q.add(o("LIKE prefix", "SELECT id, name FROM customers WHERE name LIKE 'Ann%' ORDER BY id"));
        q.add(o("LIKE with a quote", "SELECT id, name FROM customers WHERE name LIKE '%O''Brien' ORDER BY id"));
        q.add(o("LIKE with ESCAPE for %", "SELECT id, name FROM customers WHERE name LIKE '%\\%%' ESCAPE '\\' ORDER BY id"));
        q.add(o("LIKE with ESCAPE for _", "SELECT id, name FROM customers WHERE name LIKE 'a\\_b%' ESCAPE '\\' ORDER BY id"));
        q.add(o("LIKE with _", "SELECT id, name FROM customers WHERE name LIKE '_o %' ORDER BY id"));
        q.add(o("NOT LIKE excludes NULL", "SELECT COUNT(*) FROM customers WHERE name NOT LIKE '%e%'"));
        q.add(o("empty and blank strings, leading and trailing spaces",
                "SELECT id, name, CHAR_LENGTH(name) FROM customers WHERE name = '' OR name = ' ' OR name LIKE '% '"
                        + " OR name LIKE ' %' ORDER BY id"));
        q.add(o("trailing and leading spaces are significant", "SELECT id, name FROM customers WHERE name = 'Ann Lee' ORDER BY id"));
        q.add(o("non-ASCII strings", "SELECT id, name FROM customers WHERE name IN ('Zoë 🙂', 'Ivan Müller', 'Eve Ørsted')"
                + " OR name LIKE 'tab%' OR name LIKE '%ø%' ORDER BY id"));
        q.add(o("IN list of strings of different lengths", "SELECT region, COUNT(*) FROM customers "
                + "WHERE region IN ('north', 'east', 'central') GROUP BY region ORDER BY region"));
        q.add(o("NOT IN list excludes NULL", "SELECT id FROM customers WHERE region NOT IN ('north', 'east') ORDER BY id"));
        q.add(o("long IN list of keys (planned as a join)", "SELECT id FROM customers WHERE id IN (" + manyCustomers
                + ") ORDER BY id"));
        q.add(o("long IN list of strings of different lengths", "SELECT id, region FROM customers WHERE region IN "
                + "('north', 'east', 'central', 'south', 'west', 'a', 'bb', 'ccc', 'dddd', 'eeeee', 'ffffff', "
                + "'ggggggg', 'hhhhhhhh', 'iiiiiiiii', 'x1', 'x22', 'x333', 'x4444', 'x55555', 'x666666', 'x7777777',"
                + " 'nope') ORDER BY id"));
        q.add(o("DATE range", "SELECT id, created FROM customers WHERE created BETWEEN DATE '2018-01-01' AND "
                + "DATE '2018-12-31' ORDER BY created NULLS LAST, id"));
        q.add(o("TIMESTAMP range", "SELECT id, ts FROM orders WHERE ts >= TIMESTAMP '2021-06-01 00:00:00' AND "
                + "ts < TIMESTAMP '2021-06-15 12:00:00' ORDER BY ts, id"));
        q.add(o("CAST timestamp to DATE in a filter", "SELECT id FROM orders WHERE CAST(ts AS DATE) = DATE '"
                + someTs.toLocalDate() + "' ORDER BY id"));
        q.add(o("negative DECIMALs", "SELECT id, amount FROM orders WHERE amount < 0 ORDER BY amount, id"));
        q.add(o("DECIMAL equals an integer literal", "SELECT id, amount FROM orders WHERE amount = 100 ORDER BY id"));
        q.add(o("DECIMAL IN list of mixed scales", "SELECT id, amount FROM orders WHERE amount IN (100.00, 200, 300.0) "
                + "ORDER BY id"));
        q.add(o("DOUBLE range", "SELECT sku, weight FROM products WHERE weight > 1000.5 AND weight <= 2000 ORDER BY sku"));
        q.add(o("BOOLEAN column as predicate", "SELECT sku, active FROM products WHERE active ORDER BY sku"));
        q.add(o("IS NOT TRUE on a BOOLEAN column", "SELECT sku FROM products WHERE active IS NOT TRUE ORDER BY sku"));
        q.add(o("empty result from contradictory strings", "SELECT id FROM orders WHERE status LIKE 'on%' AND "
                + "status <> 'on hold'"));
        // --- secondary indexes
        q.add(o("index equality (value with a space)", "SELECT sku, title, category FROM products "
                + "WHERE category = 'home decor' ORDER BY sku"));
        q.add(o("index IS NULL", "SELECT sku FROM products WHERE category IS NULL ORDER BY sku"));
        q.add(o("index range", "SELECT sku, category FROM products WHERE category > 'g' AND category < 't' "
                + "ORDER BY category, sku"));
        q.add(o("index equality with a residual filter", "SELECT sku FROM products WHERE category = 'tools' AND "
                + "price > 500 ORDER BY sku"));
        q.add(o("index on orders.customer_id", "SELECT COUNT(*) FROM orders WHERE customer_id = 1"));
        q.add(o("index IN list incl. a dangling reference", "SELECT id FROM orders WHERE customer_id IN "
                + "(1, 8, -6, 90001) ORDER BY id"));
        // --- projections, CASE, CAST
        q.add(o("integer arithmetic", "SELECT id, score + 1, score * 2 - 3, -score, ABS(score), MOD(score, 7), "
                + "score / 3 FROM customers ORDER BY id"));
        q.add(o("BIGINT arithmetic", "SELECT id, id * 2, id + 1, MOD(id, 1000), id / 1000 FROM orders ORDER BY id "
                + "LIMIT 30"));
        q.add(o("DECIMAL arithmetic and rounding", "SELECT id, amount * 2, amount + 0.01, FLOOR(amount), "
                + "CEIL(amount), ROUND(amount, 1) FROM orders WHERE amount IS NOT NULL ORDER BY id LIMIT 50"));
        q.add(o("DECIMAL times SMALLINT", "SELECT id, amount * qty FROM orders ORDER BY id LIMIT 40"));
        q.add(o("string functions", "SELECT id, UPPER(name), LOWER(name), TRIM(name), SUBSTRING(name FROM 2 FOR 3), "
                + "CHAR_LENGTH(name), POSITION('e' IN name) FROM customers ORDER BY id"));
        q.add(o("concatenation with NULLs", "SELECT id, name || ' (' || COALESCE(region, '?') || ')', region || '!' "
                + "FROM customers ORDER BY id"));
        q.add(o("searched CASE", "SELECT id, CASE WHEN score > 500 THEN 'hi!' WHEN score > 0 THEN 'mid' "
                + "ELSE 'low' END, CASE WHEN score IS NULL THEN -1 ELSE score END FROM customers ORDER BY id"));
        q.add(o("simple CASE", "SELECT o.id, CASE region WHEN 'north' THEN 1 WHEN 'south' THEN 2 ELSE 0 END, "
                + "CASE qty WHEN 1 THEN 'one' WHEN 2 THEN 'two' ELSE 'lot' END FROM customers c JOIN orders o "
                + "ON o.customer_id = c.id ORDER BY o.id LIMIT 60"));
        q.add(o("CASTs", "SELECT id, CAST(qty AS INTEGER), CAST(amount AS DOUBLE), CAST(ts AS DATE), "
                + "CAST(id AS VARCHAR(20)), CAST(customer_id AS DECIMAL(10,2)), CAST(qty AS VARCHAR(6)) "
                + "FROM orders ORDER BY id LIMIT 80"));
        q.add(o("CAST DECIMAL to VARCHAR", "SELECT id, CAST(amount AS VARCHAR(20)) FROM orders ORDER BY id LIMIT 20"));
        q.add(o("CAST DATE to VARCHAR and back", "SELECT id, CAST(created AS VARCHAR(10)), "
                + "CAST(CAST(created AS VARCHAR(10)) AS DATE) FROM customers ORDER BY id"));
        q.add(o("CAST a string literal", "SELECT id, CAST('123' AS INT) + qty FROM orders WHERE id = " + firstOrder));
        q.add(o("COALESCE and NULLIF", "SELECT id, COALESCE(score, -1), NULLIF(region, 'north'), "
                + "COALESCE(name, region, 'none') FROM customers ORDER BY id"));
        q.add(o("EXTRACT", "SELECT id, EXTRACT(YEAR FROM created), EXTRACT(MONTH FROM created), "
                + "EXTRACT(DAY FROM created) FROM customers ORDER BY id"));
        q.add(o("EXTRACT from TIMESTAMP", "SELECT id, EXTRACT(HOUR FROM ts), EXTRACT(MINUTE FROM ts), "
                + "EXTRACT(SECOND FROM ts) FROM orders ORDER BY id LIMIT 40"));
        // --- GROUP BY, aggregates, HAVING
        q.add(o("aggregates per group", "SELECT status, COUNT(*), COUNT(qty), SUM(qty), MIN(amount), MAX(amount), "
                + "AVG(CAST(amount AS DOUBLE)) FROM orders GROUP BY status ORDER BY status NULLS FIRST"));
        q.add(o("GROUP BY an expression", "SELECT region, EXTRACT(YEAR FROM created) AS y, COUNT(*) FROM customers "
                + "GROUP BY region, EXTRACT(YEAR FROM created) ORDER BY 1 NULLS FIRST, 2 NULLS FIRST"));
        q.add(o("HAVING", "SELECT customer_id, COUNT(*) FROM orders GROUP BY customer_id HAVING COUNT(*) > 8 "
                + "ORDER BY customer_id NULLS FIRST"));
        q.add(o("HAVING on SUM and MIN", "SELECT customer_id, SUM(amount), MIN(status) FROM orders GROUP BY customer_id "
                + "HAVING SUM(amount) > 30000 AND MIN(status) <> 'cancelled' ORDER BY customer_id NULLS LAST"));
        q.add(o("aggregates of several types", "SELECT category, COUNT(DISTINCT active), SUM(price), MIN(weight), "
                + "MAX(title), MIN(sku) FROM products GROUP BY category ORDER BY category NULLS LAST"));
        q.add(o("SUM of SMALLINT beyond the SMALLINT range", "SELECT SUM(qty) FROM orders"));
        q.add(o("SUM of BIGINT keys", "SELECT SUM(id), SUM(CAST(id AS DECIMAL(20,0))) FROM orders"));
        q.add(o("global aggregates with NULLs", "SELECT COUNT(*), COUNT(score), SUM(score), MIN(score), MAX(score), "
                + "AVG(CAST(score AS DOUBLE)) FROM customers"));
        q.add(o("aggregates of an empty input", "SELECT COUNT(*), SUM(amount), MAX(id), MIN(ts), "
                + "AVG(CAST(qty AS DOUBLE)) FROM orders WHERE 1 = 0"));
        q.add(o("GROUP BY of an empty input", "SELECT status, COUNT(*) FROM orders WHERE 1 = 0 GROUP BY status"));
        q.add(o("HAVING without GROUP BY", "SELECT COUNT(*) FROM customers HAVING COUNT(*) > 0"));
        q.add(o("GROUP BY over duplicate rows", "SELECT kind, note, COUNT(*), SUM(val) FROM events GROUP BY kind, note "
                + "ORDER BY 1 NULLS FIRST, 2 NULLS FIRST"));
        q.add(o("SUM of a product", "SELECT status, SUM(amount * qty) FROM orders GROUP BY status ORDER BY 1 NULLS LAST"));
        q.add(o("COUNT DISTINCT", "SELECT COUNT(DISTINCT customer_id), COUNT(DISTINCT status), COUNT(DISTINCT sku) "
                + "FROM orders"));
        q.add(o("COUNT DISTINCT per group", "SELECT status, COUNT(DISTINCT customer_id) FROM orders GROUP BY status "
                + "ORDER BY 1 NULLS FIRST"));
        q.add(o("GROUP BY BOOLEAN", "SELECT active, COUNT(*) FROM products GROUP BY active ORDER BY active NULLS FIRST"));
        q.add(o("ORDER BY an aggregate with LIMIT", "SELECT customer_id, COUNT(*) AS n FROM orders GROUP BY customer_id "
                + "ORDER BY n DESC, customer_id NULLS FIRST LIMIT 7"));
        // --- DISTINCT
        q.add(o("DISTINCT", "SELECT DISTINCT region FROM customers ORDER BY region NULLS FIRST"));
        q.add(u("DISTINCT on two columns", "SELECT DISTINCT status, qty FROM orders"));
        q.add(o("DISTINCT * over duplicate rows", "SELECT DISTINCT * FROM events ORDER BY 1 NULLS FIRST, "
                + "2 NULLS FIRST, 3 NULLS FIRST, 4 NULLS FIRST"));
        // --- ORDER BY / LIMIT / OFFSET
        q.add(o("top-N with NULLs first, across shards", "SELECT id, amount FROM orders ORDER BY amount DESC NULLS FIRST, "
                + "id LIMIT 10"));
        q.add(o("top-N with OFFSET", "SELECT id, amount FROM orders ORDER BY amount ASC NULLS LAST, id DESC "
                + "LIMIT 10 OFFSET 5"));
        q.add(o("OFFSET near the end", "SELECT id FROM orders ORDER BY id OFFSET 2990 ROWS"));
        q.add(o("OFFSET past the end", "SELECT id FROM orders ORDER BY id LIMIT 5 OFFSET 5000"));
        q.add(o("LIMIT 0", "SELECT id FROM orders ORDER BY id LIMIT 0"));
        q.add(o("ORDER BY the key over a filter, with an expression of the key selected",
                "SELECT -id, id FROM orders WHERE qty IS NOT NULL ORDER BY id"));
        q.add(o("ORDER BY a column that is not selected, over a filter", "SELECT name FROM customers "
                + "WHERE score IS NOT NULL ORDER BY id"));
        q.add(o("ORDER BY an unselected column with a repeated column and a NULLIF in the select list",
                "SELECT score, MOD(score, 4), score, NULLIF(score, 700) FROM customers WHERE id NOT IN (2409, 2353) "
                + "ORDER BY id LIMIT 3"));
        q.add(o("FETCH FIRST on strings", "SELECT id, name FROM customers ORDER BY name DESC NULLS LAST, id "
                + "FETCH FIRST 25 ROWS ONLY"));
        q.add(o("ORDER BY TIMESTAMP DESC", "SELECT id, ts FROM orders ORDER BY ts DESC NULLS LAST, id LIMIT 20"));
        q.add(o("ORDER BY an expression", "SELECT id, score FROM customers ORDER BY MOD(score, 10) NULLS FIRST, "
                + "score DESC NULLS LAST, id LIMIT 40"));
        q.add(o("LIMIT without ORDER BY (only the count is deterministic)",
                "SELECT COUNT(*) FROM (SELECT id FROM orders WHERE status = 'paid' LIMIT 17) t"));
        // --- joins
        q.add(o("inner join", "SELECT o.id, c.name, o.amount FROM orders o JOIN customers c ON o.customer_id = c.id "
                + "ORDER BY o.id LIMIT 100"));
        q.add(o("inner join count", "SELECT COUNT(*) FROM orders o JOIN customers c ON o.customer_id = c.id"));
        q.add(o("left join with dangling references", "SELECT COUNT(*), COUNT(c.id) FROM orders o LEFT JOIN customers c "
                + "ON o.customer_id = c.id"));
        q.add(o("anti join via LEFT JOIN ... IS NULL", "SELECT o.id, o.customer_id FROM orders o LEFT JOIN customers c "
                + "ON o.customer_id = c.id WHERE c.id IS NULL ORDER BY o.id"));
        q.add(o("left join with aggregates (customers without orders)", "SELECT c.id, COUNT(o.id), SUM(o.amount) "
                + "FROM customers c LEFT JOIN orders o ON o.customer_id = c.id GROUP BY c.id ORDER BY c.id"));
        q.add(o("join with GROUP BY on both sides", "SELECT c.region, o.status, COUNT(*), SUM(o.qty) FROM orders o "
                + "JOIN customers c ON c.id = o.customer_id WHERE c.score > 500 GROUP BY c.region, o.status "
                + "ORDER BY 1 NULLS FIRST, 2 NULLS FIRST"));
        q.add(o("three-way join", "SELECT o.id, c.name, p.title FROM orders o JOIN customers c ON o.customer_id = c.id "
                + "LEFT JOIN products p ON o.sku = p.sku WHERE p.category = 'toys' ORDER BY o.id"));
        q.add(o("outer join with a condition in ON", "SELECT c.id, o.id FROM customers c LEFT JOIN orders o "
                + "ON o.customer_id = c.id AND o.status = 'paid' WHERE c.id < 100 ORDER BY c.id, o.id NULLS FIRST"));
        q.add(o("join of the table without primary key", "SELECT e.kind, c.region, COUNT(*) FROM events e "
                + "JOIN customers c ON e.customer_id = c.id GROUP BY e.kind, c.region ORDER BY 1 NULLS FIRST, 2 NULLS FIRST"));
        q.add(o("self join", "SELECT c1.id, c2.id FROM customers c1 JOIN customers c2 ON c1.score = c2.score "
                + "AND c1.id < c2.id WHERE c1.region = 'north' ORDER BY 1, 2"));
        q.add(o("non-equi join condition", "SELECT o.id, o.amount, p.price FROM orders o JOIN products p "
                + "ON o.sku = p.sku AND o.amount > p.price * 10 ORDER BY o.id"));
        q.add(o("comma join", "SELECT o.id, c.region FROM orders o, customers c WHERE o.customer_id = c.id "
                + "AND c.region = 'west' AND o.qty > 40 ORDER BY o.id"));
        // --- subqueries
        q.add(o("IN subquery", "SELECT id FROM customers WHERE id IN (SELECT customer_id FROM orders "
                + "WHERE status = 'returned') ORDER BY id"));
        q.add(o("NOT IN subquery containing NULL (empty result)", "SELECT id FROM customers WHERE id NOT IN "
                + "(SELECT customer_id FROM orders)"));
        q.add(o("NOT IN subquery without NULLs", "SELECT id FROM customers WHERE id NOT IN (SELECT customer_id "
                + "FROM orders WHERE customer_id IS NOT NULL) ORDER BY id"));
        q.add(o("NOT IN where the outer value is NULL", "SELECT COUNT(*) FROM customers WHERE score NOT IN "
                + "(SELECT qty FROM orders WHERE qty IS NOT NULL)"));
        q.add(o("NOT EXISTS", "SELECT id FROM customers c WHERE NOT EXISTS (SELECT 1 FROM orders o "
                + "WHERE o.customer_id = c.id) ORDER BY id"));
        q.add(o("EXISTS", "SELECT id FROM customers c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id "
                + "AND o.amount > 9000) ORDER BY id"));
        q.add(o("uncorrelated EXISTS", "SELECT COUNT(*) FROM customers WHERE EXISTS (SELECT 1 FROM orders "
                + "WHERE status = 'no such')"));
        q.add(o("correlated scalar subqueries", "SELECT c.id, (SELECT COUNT(*) FROM orders o WHERE o.customer_id = c.id), "
                + "(SELECT MAX(o.ts) FROM orders o WHERE o.customer_id = c.id) FROM customers c ORDER BY c.id"));
        q.add(o("uncorrelated scalar subquery", "SELECT id, amount FROM orders WHERE amount > (SELECT "
                + "AVG(CAST(amount AS DOUBLE)) FROM orders) * 1.9 ORDER BY id"));
        q.add(o("scalar subquery on the key", "SELECT id FROM orders WHERE customer_id = (SELECT id FROM customers "
                + "WHERE id = 1) ORDER BY id"));
        q.add(o("scalar subquery returning NULL", "SELECT sku, (SELECT MAX(score) FROM customers WHERE region = "
                + "'nowhere') AS m FROM products WHERE sku = 1000"));
        q.add(o("> ALL", "SELECT id, score FROM customers WHERE score > ALL (SELECT qty * 20 FROM orders "
                + "WHERE status = 'new' AND qty IS NOT NULL) ORDER BY id"));
        q.add(o("> ALL over a set containing NULL", "SELECT COUNT(*) FROM customers WHERE score > ALL "
                + "(SELECT qty FROM orders WHERE status = 'new')"));
        q.add(o("= ANY", "SELECT id FROM customers WHERE score = ANY (SELECT qty FROM orders) ORDER BY id"));
        q.add(o("NOT IN subquery on the indexed table", "SELECT sku FROM products WHERE sku NOT IN (SELECT sku "
                + "FROM orders WHERE sku IS NOT NULL) ORDER BY sku"));
        q.add(o("derived table", "SELECT t.region, t.n FROM (SELECT region, COUNT(*) AS n FROM customers "
                + "GROUP BY region) t WHERE t.n > 90 ORDER BY t.region NULLS FIRST"));
        q.add(o("WITH", "WITH big AS (SELECT customer_id, SUM(amount) AS tot FROM orders GROUP BY customer_id) "
                + "SELECT c.id, c.name, b.tot FROM customers c JOIN big b ON b.customer_id = c.id "
                + "WHERE b.tot > 40000 ORDER BY c.id"));
        // --- set operations
        q.add(o("UNION", "SELECT region FROM customers UNION SELECT status FROM orders ORDER BY 1 NULLS FIRST"));
        q.add(u("UNION ALL", "SELECT customer_id FROM events UNION ALL SELECT customer_id FROM orders "
                + "WHERE status = 'new'"));
        q.add(o("INTERSECT", "SELECT id FROM customers INTERSECT SELECT customer_id FROM orders ORDER BY 1"));
        q.add(o("EXCEPT", "SELECT id FROM customers EXCEPT SELECT customer_id FROM events ORDER BY 1"));
        q.add(u("EXCEPT on two columns with NULLs", "SELECT customer_id, kind FROM events EXCEPT "
                + "SELECT id, region FROM customers"));
        q.add(o("INTERSECT binds tighter than UNION", "SELECT id FROM customers WHERE region = 'north' UNION "
                + "SELECT id FROM customers WHERE region = 'south' INTERSECT SELECT id FROM customers WHERE score > 500 "
                + "ORDER BY 1"));
        q.add(o("UNION with ORDER BY and LIMIT over inputs with duplicates", "SELECT val FROM events UNION "
                + "SELECT qty FROM orders ORDER BY 1 NULLS LAST LIMIT 30"));
        q.add(o("UNION ALL with ORDER BY and OFFSET/FETCH", "SELECT kind FROM events UNION ALL SELECT status FROM orders "
                + "ORDER BY 1 DESC NULLS FIRST OFFSET 100 ROWS FETCH NEXT 50 ROWS ONLY"));
        q.add(o("IN subquery comparing INT with SMALLINT", "SELECT id FROM customers WHERE score IN (SELECT qty FROM orders) "
                + "ORDER BY id"));
        q.add(o("count of a UNION", "SELECT COUNT(*) FROM (SELECT customer_id FROM events UNION "
                + "SELECT customer_id FROM orders) u"));

        List<DiffQuery> out = new ArrayList<>();
        for (int i = 0; i < q.size(); i++) {
            String[] e = q.get(i);
            out.add(new DiffQuery("hand-written #" + i + " (" + e[1] + ")", e[2], e[0].equals("o")));
        }
        return out;
    }

    private static String[] o(String description, String sql) {
        return new String[] {"o", description, sql};
    }

    private static String[] u(String description, String sql) {
        return new String[] {"u", description, sql};
    }
}
