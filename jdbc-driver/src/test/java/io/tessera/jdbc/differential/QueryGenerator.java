package io.tessera.jdbc.differential;

import io.tessera.jdbc.differential.Column.Kind;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A seeded generator of SELECT statements over the {@link Dataset} schema that H2 and Tessera must answer
 * identically. Query {@code i} of a run with seed {@code s} depends only on {@code (s, i)}, so a single failing
 * query can be regenerated from the label printed in the report.
 *
 * <p>Rules that keep the comparison free of false alarms (SQL both engines accept with the same meaning):
 * every ORDER BY names NULLS FIRST/LAST explicitly (H2 and Calcite have different defaults); a query is marked
 * ordered only when its ORDER BY is a total order of the output (primary key as tiebreaker, or all output columns),
 * and LIMIT/OFFSET appear only then; AVG is always taken over a DOUBLE cast; CASE branches that yield string
 * literals use literals of equal length (Calcite types them as CHAR(n) and would pad shorter ones); no DOUBLE
 * equality; no division by anything but non-zero literals; no DECIMAL division or DECIMAL-to-integer casts
 * (rounding and scale are implementation-defined).
 */
final class QueryGenerator {

    /** A table in a FROM clause under an alias ({@code null}: unaliased, columns referenced unqualified). */
    record Src(Table table, String alias) {
        String ref(Column c) {
            return alias == null ? c.name() : alias + "." + c.name();
        }

        String from() {
            return alias == null ? table.name : table.name + " " + alias;
        }
    }

    /** A generated scalar expression and its value kind. */
    record Expr(String sql, Kind kind) {
    }

    private static final String[] CMP = {"=", "<>", "<", "<=", ">", ">="};

    private final Dataset data;
    private final Map<String, List<Object>> valueCache = new HashMap<>();
    private Random r;

    QueryGenerator(Dataset data) {
        this.data = data;
    }

    /** Seed of query {@code index} in a run with seed {@code runSeed}. */
    static long querySeed(long runSeed, int index) {
        long z = runSeed * 0x9E3779B97F4A7C15L + index * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        return z ^ (z >>> 31);
    }

    List<DiffQuery> generate(long runSeed, int count) {
        List<DiffQuery> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(generateOne(runSeed, i));
        }
        return out;
    }

    /** Lets another generator (DML) share this one's predicates and literals. */
    void useRandom(Random random) {
        this.r = random;
    }

    DiffQuery generateOne(long runSeed, int index) {
        long seed = querySeed(runSeed, index);
        r = new Random(seed);
        String label = "generated #" + index + " (run seed " + runSeed + ")";
        int k = r.nextInt(112);
        Shape q;
        if (k < 20) {
            q = simpleSelect();
        } else if (k < 28) {
            q = pointLookup();
        } else if (k < 34) {
            q = indexLookup();
        } else if (k < 52) {
            q = groupBy();
        } else if (k < 58) {
            q = globalAggregate();
        } else if (k < 64) {
            q = distinct();
        } else if (k < 78) {
            q = join();
        } else if (k < 84) {
            q = joinGroupBy();
        } else if (k < 96) {
            q = subquery();
        } else if (k < 104) {
            q = setOperation();
        } else {
            q = derivedTable();
        }
        return new DiffQuery(label, q.sql, q.ordered);
    }

    private record Shape(String sql, boolean ordered) {
    }

    // ---------------------------------------------------------------------------------------------- query shapes

    private Shape simpleSelect() {
        Src s = src(pickTable());
        StringBuilder sql = new StringBuilder("SELECT ");
        int width;
        if (r.nextInt(8) == 0) {
            sql.append(r.nextBoolean() ? "*" : s.alias + ".*");
            width = s.table.columns.size();
        } else {
            List<String> items = projection(List.of(s), 1 + r.nextInt(4));
            sql.append(String.join(", ", items));
            width = items.size();
        }
        sql.append(" FROM ").append(s.from());
        if (r.nextInt(10) < 8) {
            sql.append(" WHERE ").append(pred(List.of(s), 2));
        }
        return orderAndLimit(sql, s, width);
    }

    /** Appends a total ORDER BY (and maybe LIMIT/OFFSET), or nothing. */
    private Shape orderAndLimit(StringBuilder sql, Src s, int width) {
        int o = r.nextInt(10);
        if (s.table.primaryKey != null && o < 6) {
            sql.append(" ORDER BY ").append(orderWithKey(List.of(s), List.of(s.ref(s.table.primaryKey))));
        } else if (o < 8) {
            sql.append(" ORDER BY ").append(orderByOrdinals(width));
        } else {
            return new Shape(sql.toString(), false);
        }
        if (r.nextInt(10) < 6) {
            sql.append(' ').append(limit());
        }
        return new Shape(sql.toString(), true);
    }

    private Shape pointLookup() {
        Table t = r.nextInt(3) == 0 ? data.customers : r.nextInt(4) == 0 ? data.products : data.orders;
        Src s = src(t);
        String pk = s.ref(t.primaryKey);
        String cond = switch (r.nextInt(7)) {
            case 0, 1 -> pk + " = " + lit(t, t.primaryKey);
            case 2 -> pk + " IN (" + lits(t, t.primaryKey, 1 + r.nextInt(6)) + ")";
            case 3 -> "(" + pk + " = " + lit(t, t.primaryKey) + " OR " + pk + " = " + lit(t, t.primaryKey) + ")";
            case 4 -> pk + " = " + lit(t, t.primaryKey) + " AND " + pred(List.of(s), 1);
            case 5 -> pk + " IN (" + lits(t, t.primaryKey, 2 + r.nextInt(4)) + ") AND NOT (" + pred(List.of(s), 1) + ")";
            default -> pk + " NOT IN (" + lits(t, t.primaryKey, 3) + ") AND " + pk + " BETWEEN "
                    + orderedPair(t, t.primaryKey);
        };
        List<String> items = r.nextInt(4) == 0 ? List.of("*") : projection(List.of(s), 1 + r.nextInt(4));
        String sql = "SELECT " + String.join(", ", items) + " FROM " + s.from() + " WHERE " + cond;
        if (r.nextBoolean()) {
            return new Shape(sql + " ORDER BY " + pk + (r.nextBoolean() ? " DESC" : ""), true);
        }
        return new Shape(sql, false);
    }

    private Shape indexLookup() {
        boolean product = r.nextBoolean();
        Table t = product ? data.products : data.orders;
        Src s = src(t);
        Column ic = t.column(product ? "category" : "customer_id");
        String col = s.ref(ic);
        String cond = switch (r.nextInt(6)) {
            case 0, 1 -> col + " = " + lit(t, ic);
            case 2 -> col + " IN (" + lits(t, ic, 2 + r.nextInt(3)) + ")";
            case 3 -> col + " IS NULL";
            case 4 -> col + " BETWEEN " + orderedPair(t, ic);
            default -> col + " = " + lit(t, ic) + " AND " + pred(List.of(s), 1);
        };
        List<String> items = projection(List.of(s), 1 + r.nextInt(3));
        StringBuilder sql = new StringBuilder("SELECT " + String.join(", ", items) + " FROM " + s.from()
                + " WHERE " + cond);
        return orderAndLimit(sql, s, items.size());
    }

    private Shape groupBy() {
        Src s = src(pickTable());
        List<String> keys = new ArrayList<>();
        int nKeys = r.nextInt(4) == 0 ? 2 : 1;
        while (keys.size() < nKeys) {
            String key = groupKey(s);
            if (!keys.contains(key)) {
                keys.add(key);
            }
        }
        List<String> aggs = new ArrayList<>();
        int nAggs = 1 + r.nextInt(4);
        for (int i = 0; i < nAggs; i++) {
            aggs.add(aggregate(List.of(s)));
        }
        StringBuilder sql = new StringBuilder("SELECT ");
        List<String> items = new ArrayList<>(keys);
        items.addAll(aggs);
        sql.append(String.join(", ", items)).append(" FROM ").append(s.from());
        if (r.nextInt(10) < 6) {
            sql.append(" WHERE ").append(pred(List.of(s), 1));
        }
        sql.append(" GROUP BY ").append(String.join(", ", keys));
        if (r.nextInt(10) < 4) {
            sql.append(" HAVING ").append(having(List.of(s)));
        }
        return groupOrder(sql, keys.size(), aggs.size());
    }

    /** ORDER BY over group keys (positions 1..nKeys) is total; optionally an aggregate first. */
    private Shape groupOrder(StringBuilder sql, int nKeys, int nAggs) {
        if (r.nextInt(10) < 4) {
            return new Shape(sql.toString(), false);
        }
        List<String> terms = new ArrayList<>();
        if (r.nextInt(3) == 0) {
            terms.add((nKeys + 1 + r.nextInt(nAggs)) + direction() + nulls());
        }
        for (int i = 1; i <= nKeys; i++) {
            terms.add(i + direction() + nulls());
        }
        sql.append(" ORDER BY ").append(String.join(", ", terms));
        if (r.nextBoolean()) {
            sql.append(' ').append(limit());
        }
        return new Shape(sql.toString(), true);
    }

    private Shape globalAggregate() {
        Src s = src(pickTable());
        List<String> aggs = new ArrayList<>();
        int n = 1 + r.nextInt(5);
        for (int i = 0; i < n; i++) {
            aggs.add(aggregate(List.of(s)));
        }
        String sql = "SELECT " + String.join(", ", aggs) + " FROM " + s.from();
        if (r.nextInt(10) < 8) {
            sql += " WHERE " + pred(List.of(s), 2);
        }
        return new Shape(sql, true); // exactly one row
    }

    private Shape distinct() {
        Src s = src(pickTable());
        int n = 1 + r.nextInt(3);
        List<String> items = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            items.add(r.nextInt(3) == 0 ? expr(List.of(s)).sql : s.ref(pick(s.table.columns)));
        }
        if (r.nextInt(6) == 0) {
            return new Shape("SELECT COUNT(DISTINCT " + s.ref(pick(s.table.columns)) + ") FROM " + s.from()
                    + " WHERE " + pred(List.of(s), 2), true);
        }
        StringBuilder sql = new StringBuilder("SELECT DISTINCT " + String.join(", ", items) + " FROM " + s.from());
        if (r.nextInt(10) < 7) {
            sql.append(" WHERE ").append(pred(List.of(s), 2));
        }
        if (r.nextBoolean()) {
            sql.append(" ORDER BY ").append(orderByOrdinals(items.size()));
            if (r.nextBoolean()) {
                sql.append(' ').append(limit());
            }
            return new Shape(sql.toString(), true);
        }
        return new Shape(sql.toString(), false);
    }

    /** The FROM clause of a join and the columns that make its rows unique (null if none). */
    private record JoinShape(String from, List<Src> srcs, List<String> uniqueKey, boolean commaJoin) {
        JoinShape(String from, List<Src> srcs, List<String> uniqueKey) {
            this(from, srcs, uniqueKey, false);
        }
    }

    private JoinShape joinShape() {
        Src o = src(data.orders);
        Src c = src(data.customers);
        Src p = src(data.products);
        String inner = r.nextBoolean() ? "JOIN" : "INNER JOIN";
        String left = r.nextBoolean() ? "LEFT JOIN" : "LEFT OUTER JOIN";
        return switch (r.nextInt(9)) {
            case 0, 1 -> {
                String extra = r.nextInt(4) == 0 ? " AND " + pred(List.of(c), 1) : "";
                yield new JoinShape(o.from() + " " + (r.nextBoolean() ? inner : left) + " " + c.from()
                        + " ON " + o.ref(o.table.column("customer_id")) + " = c.id" + extra,
                        List.of(o, c), List.of("o.id"));
            }
            case 2 -> {
                String extra = r.nextInt(3) == 0 ? " AND " + pred(List.of(o), 1) : "";
                yield new JoinShape(c.from() + " " + left + " " + o.from() + " ON o.customer_id = c.id" + extra,
                        List.of(c, o), List.of("c.id", "o.id"));
            }
            case 3 -> new JoinShape(o.from() + " " + (r.nextBoolean() ? inner : left) + " " + p.from()
                    + " ON o.sku = p.sku", List.of(o, p), List.of("o.id"));
            case 4 -> new JoinShape(o.from() + " " + inner + " " + c.from() + " ON o.customer_id = c.id "
                    + left + " " + p.from() + " ON p.sku = o.sku", List.of(o, c, p), List.of("o.id"));
            case 5 -> new JoinShape(c.from() + " RIGHT JOIN " + o.from() + " ON c.id = o.customer_id",
                    List.of(c, o), List.of("o.id"));
            case 6 -> {
                Src e = src(data.events);
                yield new JoinShape(e.from() + " " + (r.nextBoolean() ? inner : left) + " " + c.from()
                        + " ON e.customer_id = c.id", List.of(e, c), null);
            }
            case 7 -> {
                Src c2 = new Src(data.customers, "c2");
                yield new JoinShape(c.from() + " JOIN " + c2.from()
                        + " ON c.region = c2.region AND c.score = c2.score AND c.id < c2.id",
                        List.of(c, c2), List.of("c.id", "c2.id"));
            }
            default -> new JoinShape(o.from() + ", " + c.from(), List.of(o, c), List.of("o.id"), true);
        };
    }

    private Shape join() {
        JoinShape j = joinShape();
        boolean commaJoin = j.commaJoin;
        List<String> items = projection(j.srcs, 2 + r.nextInt(4));
        StringBuilder sql = new StringBuilder("SELECT " + String.join(", ", items) + " FROM " + j.from);
        String where = r.nextInt(10) < 7 ? pred(j.srcs, 2) : null;
        if (commaJoin) {
            sql.append(" WHERE o.customer_id = c.id").append(where == null ? "" : " AND (" + where + ")");
        } else if (where != null) {
            sql.append(" WHERE ").append(where);
        }
        if (j.uniqueKey != null && r.nextInt(10) < 6) {
            sql.append(" ORDER BY ").append(orderWithKey(j.srcs, j.uniqueKey));
            if (r.nextBoolean()) {
                sql.append(' ').append(limit());
            }
            return new Shape(sql.toString(), true);
        }
        if (r.nextInt(4) == 0) {
            sql.append(" ORDER BY ").append(orderByOrdinals(items.size()));
            return new Shape(sql.toString(), true);
        }
        return new Shape(sql.toString(), false);
    }

    private Shape joinGroupBy() {
        JoinShape j = joinShape();
        boolean commaJoin = j.commaJoin;
        List<String> keys = new ArrayList<>();
        int nKeys = 1 + r.nextInt(2);
        while (keys.size() < nKeys) {
            String key = groupKey(pick(j.srcs));
            if (!keys.contains(key)) {
                keys.add(key);
            }
        }
        List<String> aggs = new ArrayList<>();
        int nAggs = 1 + r.nextInt(3);
        for (int i = 0; i < nAggs; i++) {
            aggs.add(aggregate(j.srcs));
        }
        List<String> items = new ArrayList<>(keys);
        items.addAll(aggs);
        StringBuilder sql = new StringBuilder("SELECT " + String.join(", ", items) + " FROM " + j.from);
        if (commaJoin) {
            sql.append(" WHERE o.customer_id = c.id");
        } else if (r.nextBoolean()) {
            sql.append(" WHERE ").append(pred(j.srcs, 1));
        }
        sql.append(" GROUP BY ").append(String.join(", ", keys));
        if (r.nextInt(10) < 3) {
            sql.append(" HAVING ").append(having(j.srcs));
        }
        return groupOrder(sql, keys.size(), aggs.size());
    }

    private Shape subquery() {
        Src c = src(data.customers);
        Src o = src(data.orders);
        Src o2 = new Src(data.orders, "o2");
        Src p = src(data.products);
        String outerWhere;
        Src outer;
        switch (r.nextInt(11)) {
            case 0 -> {
                outer = c;
                outerWhere = "c.id IN (SELECT o.customer_id FROM orders o WHERE " + pred(List.of(o), 2) + ")";
            }
            case 1 -> {
                outer = c;
                String nonNull = r.nextBoolean() ? "o.customer_id IS NOT NULL AND " : "";
                outerWhere = "c.id NOT IN (SELECT o.customer_id FROM orders o WHERE " + nonNull
                        + pred(List.of(o), 1) + ")";
            }
            case 2 -> {
                outer = c;
                outerWhere = (r.nextBoolean() ? "" : "NOT ") + "EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id AND "
                        + pred(List.of(o), 1) + ")";
            }
            case 3 -> {
                outer = o;
                outerWhere = "o.amount > (SELECT AVG(CAST(o2.amount AS DOUBLE)) FROM orders o2 WHERE "
                        + pred(List.of(o2), 1) + ")";
            }
            case 4 -> {
                // correlated scalar subquery (kept on the small table: H2 evaluates it per outer row)
                outer = c;
                Src c2 = new Src(data.customers, "c2");
                outerWhere = "c.score >= (SELECT MAX(c2.score) FROM customers c2 WHERE c2.region = c.region AND "
                        + pred(List.of(c2), 1) + ")";
            }
            case 5 -> {
                outer = o;
                outerWhere = "o.sku " + (r.nextBoolean() ? "" : "NOT ") + "IN (SELECT p.sku FROM products p WHERE "
                        + pred(List.of(p), 1) + ")";
            }
            case 6 -> {
                outer = c;
                outerWhere = "c.score " + pick(CMP) + " " + pick(new String[] {"ALL", "ANY", "SOME"})
                        + " (SELECT o.qty FROM orders o WHERE " + pred(List.of(o), 1) + ")";
            }
            case 7 -> {
                // correlated scalar subqueries in the projection
                String agg = pick(new String[] {"COUNT(*)", "MAX(o.amount)", "SUM(o.qty)", "MIN(o.status)",
                    "COUNT(o.sku)"});
                String sql = "SELECT c.id, (SELECT " + agg + " FROM orders o WHERE o.customer_id = c.id"
                        + (r.nextBoolean() ? " AND " + pred(List.of(o), 1) : "") + ") AS sub"
                        + ", " + String.join(", ", projection(List.of(c), 1 + r.nextInt(2)))
                        + " FROM customers c WHERE " + pred(List.of(c), 1);
                if (r.nextBoolean()) {
                    return new Shape(sql + " ORDER BY c.id" + (r.nextBoolean() ? " " + limit() : ""), true);
                }
                return new Shape(sql, false);
            }
            case 8 -> {
                // uncorrelated scalar subquery in the projection
                String sql = "SELECT " + String.join(", ", projection(List.of(p), 1 + r.nextInt(2)))
                        + ", (SELECT COUNT(*) FROM orders o WHERE o.sku = " + lit(data.products, data.products.primaryKey)
                        + ") AS n FROM products p WHERE " + pred(List.of(p), 1);
                return new Shape(sql, false);
            }
            case 9 -> {
                outer = c;
                outerWhere = "c.region IN (SELECT e.kind FROM events e WHERE " + pred(List.of(
                        src(data.events)), 1) + ") OR c.id IN (SELECT e.customer_id FROM events e WHERE e.kind = "
                        + lit(data.events, data.events.column("kind")) + ")";
            }
            default -> {
                outer = o;
                outerWhere = "o.customer_id IN (SELECT c.id FROM customers c WHERE c.score > (SELECT AVG(CAST("
                        + "c2.score AS DOUBLE)) FROM customers c2 WHERE c2.region = c.region))";
            }
        }
        List<String> items = projection(List.of(outer), 1 + r.nextInt(3));
        StringBuilder sql = new StringBuilder("SELECT " + String.join(", ", items) + " FROM " + outer.from()
                + " WHERE (" + outerWhere + ")");
        if (r.nextBoolean()) {
            sql.append(" AND ").append(pred(List.of(outer), 1));
        }
        return orderAndLimit(sql, outer, items.size());
    }

    private Shape setOperation() {
        List<List<String[]>> signatures = List.of(
                // {table, alias, expression...}
                List.of(new String[] {"customers", "c", "c.id"}, new String[] {"orders", "o", "o.customer_id"},
                        new String[] {"events", "e", "e.customer_id"}, new String[] {"products", "p", "p.sku"},
                        new String[] {"orders", "o", "o.sku"}, new String[] {"customers", "c", "c.score"},
                        new String[] {"events", "e", "e.val"}),
                List.of(new String[] {"customers", "c", "c.region"}, new String[] {"orders", "o", "o.status"},
                        new String[] {"products", "p", "p.category"}, new String[] {"events", "e", "e.kind"},
                        new String[] {"customers", "c", "c.name"}, new String[] {"events", "e", "e.note"}),
                List.of(new String[] {"customers", "c", "c.id", "c.region"},
                        new String[] {"orders", "o", "o.customer_id", "o.status"},
                        new String[] {"events", "e", "e.customer_id", "e.kind"},
                        new String[] {"products", "p", "p.sku", "p.category"}));
        List<String[]> sig = pick(signatures);
        int branches = r.nextInt(5) == 0 ? 3 : 2;
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < branches; i++) {
            String[] b = pick(sig);
            Src s = src(tableNamed(b[0]));
            StringBuilder part = new StringBuilder("SELECT ");
            for (int j = 2; j < b.length; j++) {
                part.append(j > 2 ? ", " : "").append(b[j]);
            }
            part.append(" FROM ").append(s.from());
            if (r.nextInt(10) < 7) {
                part.append(" WHERE ").append(pred(List.of(s), 1));
            }
            parts.add(part.toString());
        }
        String[] ops = {"UNION", "UNION ALL", "INTERSECT", "EXCEPT"};
        String sql = parts.get(0) + " " + pick(ops) + " " + parts.get(1);
        if (branches == 3) {
            sql = "(" + sql + ") " + pick(ops) + " " + parts.get(2);
        }
        int width = sig.get(0).length - 2;
        if (r.nextBoolean()) {
            sql += " ORDER BY " + orderByOrdinals(width) + (r.nextBoolean() ? " " + limit() : "");
            return new Shape(sql, true);
        }
        return new Shape(sql, false);
    }

    private Shape derivedTable() {
        Src s = src(pickTable());
        String key = groupKey(s);
        Column num = pickColumn(s.table, Kind::isNumeric);
        String inner = "SELECT " + key + " AS k, COUNT(*) AS n, SUM(" + s.ref(num) + ") AS tot FROM " + s.from()
                + (r.nextBoolean() ? " WHERE " + pred(List.of(s), 1) : "") + " GROUP BY " + key;
        String filter = switch (r.nextInt(3)) {
            case 0 -> "t.n > " + r.nextInt(30);
            case 1 -> "t.tot " + pick(CMP) + " " + r.nextInt(5000);
            default -> "t.k IS NOT NULL";
        };
        if (r.nextBoolean()) {
            return new Shape("WITH t AS (" + inner + ") SELECT t.k, t.n, t.tot FROM t WHERE " + filter
                    + " ORDER BY t.k" + direction() + nulls(), true);
        }
        String sql = "SELECT t.k, t.n * 2 AS n2, t.tot FROM (" + inner + ") t WHERE " + filter;
        if (r.nextBoolean()) {
            return new Shape(sql + " ORDER BY 1" + direction() + nulls() + (r.nextBoolean() ? " " + limit() : ""),
                    true);
        }
        return new Shape(sql, false);
    }

    // ------------------------------------------------------------------------------------------------- clauses

    private String orderWithKey(List<Src> srcs, List<String> uniqueKey) {
        List<String> terms = new ArrayList<>();
        int extra = r.nextInt(3);
        for (int i = 0; i < extra; i++) {
            Src s = pick(srcs);
            Column c = pick(s.table.columns);
            String e = r.nextInt(5) == 0 && c.kind().isNumeric() ? numericExpr(s).sql : s.ref(c);
            terms.add(e + direction() + nulls());
        }
        for (String k : uniqueKey) {
            // the second key of a left join may be NULL (no match)
            terms.add(k + direction() + (k.equals(uniqueKey.get(0)) ? "" : nulls()));
        }
        return String.join(", ", terms);
    }

    private String orderByOrdinals(int width) {
        List<String> terms = new ArrayList<>();
        for (int i = 1; i <= width; i++) {
            terms.add(i + direction() + nulls());
        }
        return String.join(", ", terms);
    }

    private String direction() {
        return switch (r.nextInt(3)) {
            case 0 -> "";
            case 1 -> " ASC";
            default -> " DESC";
        };
    }

    private String nulls() {
        return r.nextBoolean() ? " NULLS FIRST" : " NULLS LAST";
    }

    private String limit() {
        int n = pick(new int[] {0, 1, 3, 5, 10, 37, 100, 1000});
        int m = pick(new int[] {0, 1, 4, 20, 250, 5000});
        return switch (r.nextInt(5)) {
            case 0 -> "LIMIT " + n;
            case 1 -> "LIMIT " + n + " OFFSET " + m;
            case 2 -> "OFFSET " + m + " ROWS FETCH NEXT " + n + " ROWS ONLY";
            case 3 -> "FETCH FIRST " + n + " ROWS ONLY";
            default -> "OFFSET " + m + " ROWS";
        };
    }

    private List<String> projection(List<Src> srcs, int n) {
        List<String> items = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Src s = pick(srcs);
            if (r.nextInt(100) < 55) {
                items.add(s.ref(pick(s.table.columns)));
            } else {
                items.add(expr(List.of(s)).sql + (r.nextBoolean() ? " AS x" + i : ""));
            }
        }
        return items;
    }

    private String groupKey(Src s) {
        String a = s.alias;
        List<String> keys = switch (s.table.name) {
            case "customers" -> List.of(a + ".region", "EXTRACT(YEAR FROM " + a + ".created)", "MOD(" + a + ".score, 4)",
                    a + ".score / 100", a + ".name",
                    "CASE WHEN " + a + ".score > 500 THEN 'AAA' WHEN " + a + ".score > 0 THEN 'BBB' ELSE 'CCC' END");
            case "orders" -> List.of(a + ".status", a + ".qty", a + ".customer_id", a + ".sku",
                    "EXTRACT(MONTH FROM " + a + ".ts)", "CAST(" + a + ".ts AS DATE)", a + ".amount");
            case "products" -> List.of(a + ".category", a + ".active", "FLOOR(" + a + ".price / 100)",
                    "UPPER(" + a + ".category)");
            default -> List.of(a + ".kind", a + ".customer_id", a + ".note", a + ".val / 100", "COALESCE(" + a
                    + ".kind, 'none')");
        };
        return pick(keys);
    }

    private String aggregate(List<Src> srcs) {
        Src s = pick(srcs);
        Column any = pickColumn(s.table, k -> k != Kind.BOOLEAN);
        Column num = pickColumn(s.table, Kind::isNumeric);
        return switch (r.nextInt(11)) {
            case 0, 1 -> "COUNT(*)";
            case 2 -> "COUNT(" + s.ref(any) + ")";
            case 3 -> "COUNT(DISTINCT " + s.ref(any) + ")";
            case 4 -> "SUM(" + s.ref(num) + ")";
            case 5 -> "MIN(" + s.ref(any) + ")";
            case 6 -> "MAX(" + s.ref(any) + ")";
            case 7 -> "AVG(CAST(" + s.ref(num) + " AS DOUBLE))";
            case 8 -> "SUM(" + numericExpr(s).sql + ")";
            case 9 -> "SUM(CASE WHEN " + pred(List.of(s), 1) + " THEN 1 ELSE 0 END)";
            default -> "MAX(" + expr(List.of(s)).sql + ")";
        };
    }

    private String having(List<Src> srcs) {
        Src s = pick(srcs);
        Column num = pickColumn(s.table, Kind::isNumeric);
        Column any = pickColumn(s.table, k -> k != Kind.BOOLEAN);
        String h = switch (r.nextInt(5)) {
            case 0 -> "COUNT(*) > " + pick(new int[] {0, 1, 2, 5, 20, 100});
            case 1 -> "SUM(" + s.ref(num) + ") " + pick(CMP) + " " + lit(s.table, num);
            case 2 -> "MIN(" + s.ref(any) + ") " + pick(CMP) + " " + lit(s.table, any);
            case 3 -> "COUNT(DISTINCT " + s.ref(any) + ") >= " + r.nextInt(4);
            default -> "MAX(" + s.ref(any) + ") IS NOT NULL";
        };
        if (r.nextInt(4) == 0) {
            h = "(" + h + ") " + (r.nextBoolean() ? "AND" : "OR") + " COUNT(*) < " + r.nextInt(200);
        }
        return h;
    }

    // --------------------------------------------------------------------------------------------- predicates

    String pred(List<Src> srcs, int depth) {
        int k = r.nextInt(100);
        if (depth > 0 && k < 25) {
            return "(" + pred(srcs, depth - 1) + (r.nextBoolean() ? " AND " : " OR ") + pred(srcs, depth - 1) + ")";
        }
        if (depth > 0 && k < 32) {
            return "NOT (" + pred(srcs, depth - 1) + ")";
        }
        Src s = pick(srcs);
        return leaf(s, pick(s.table.columns));
    }

    private String leaf(Src s, Column c) {
        Table t = s.table;
        String ref = s.ref(c);
        if (c.kind() == Kind.BOOLEAN) {
            return switch (r.nextInt(6)) {
                case 0 -> ref;
                case 1 -> "NOT " + ref;
                case 2 -> ref + " = " + (r.nextBoolean() ? "TRUE" : "FALSE");
                case 3 -> ref + " IS " + (r.nextBoolean() ? "NOT " : "") + (r.nextBoolean() ? "TRUE" : "FALSE");
                case 4 -> ref + " IS NULL";
                default -> ref + " IS NOT NULL";
            };
        }
        int k = r.nextInt(100);
        if (k < 30) {
            String op = c.kind() == Kind.DOUBLE ? pick(new String[] {"<", "<=", ">", ">="}) : pick(CMP);
            return ref + " " + op + " " + lit(t, c);
        }
        if (k < 40) {
            return ref + (r.nextInt(5) == 0 ? " NOT" : "") + " BETWEEN " + orderedPair(t, c);
        }
        if (k < 52 && c.kind() != Kind.DOUBLE) {
            return ref + (r.nextInt(4) == 0 ? " NOT" : "") + " IN (" + lits(t, c, 1 + r.nextInt(5)) + ")";
        }
        if (k < 62) {
            return ref + " IS " + (r.nextInt(3) == 0 ? "NOT " : "") + "NULL";
        }
        if (k < 78 && c.kind() == Kind.VARCHAR) {
            return ref + (r.nextInt(4) == 0 ? " NOT" : "") + " LIKE " + SqlLiterals.string(likePattern(t, c));
        }
        if (k < 86) {
            // compare with another column of a comparable kind
            List<Column> others = t.columns.stream()
                    .filter(o -> o != c && o.kind().comparableWith(c.kind()) && o.kind() != Kind.BOOLEAN)
                    .collect(Collectors.toList());
            if (!others.isEmpty()) {
                return ref + " " + pick(CMP) + " " + s.ref(pick(others));
            }
        }
        // an expression compared with a literal
        Expr e = expr(List.of(s));
        return switch (e.kind) {
            case INT, BIGINT, SMALLINT, DECIMAL -> e.sql + " " + pick(CMP) + " " + (r.nextInt(2001) - 500);
            case DOUBLE -> e.sql + " " + pick(new String[] {"<", ">"}) + " " + (r.nextInt(2001) - 500) + ".5";
            case VARCHAR -> e.sql + " " + pick(CMP) + " " + SqlLiterals.string(randomWordish());
            case DATE -> e.sql + " " + pick(CMP) + " " + SqlLiterals.literal(randomDate());
            case TIMESTAMP -> e.sql + " " + pick(CMP) + " " + SqlLiterals.literal(randomTimestamp());
            case BOOLEAN -> e.sql;
        };
    }

    private String likePattern(Table t, Column c) {
        String v = (String) pick(values(t, c));
        if (v.isEmpty()) {
            return "%";
        }
        return switch (r.nextInt(5)) {
            case 0 -> v.substring(0, 1 + r.nextInt(Math.min(3, v.length()))) + "%";
            case 1 -> "%" + v.substring(v.length() / 2);
            case 2 -> "%" + v.substring(v.length() / 3, Math.max(v.length() / 3 + 1, 2 * v.length() / 3)) + "%";
            case 3 -> {
                int i = r.nextInt(v.length());
                yield v.substring(0, i) + "_" + v.substring(i + 1);
            }
            default -> v;
        };
    }

    // ------------------------------------------------------------------------------------------- expressions

    /** A computed expression (not a plain column) over one source. */
    Expr expr(List<Src> srcs) {
        Src s = pick(srcs);
        return switch (r.nextInt(10)) {
            case 0, 1, 2, 3 -> numericExpr(s);
            case 4, 5, 6 -> stringExpr(s);
            case 7 -> temporalExpr(s);
            case 8 -> caseExpr(s);
            default -> castExpr(s);
        };
    }

    private Expr numericExpr(Src s) {
        Column c = pickColumn(s.table, Kind::isNumeric);
        String ref = s.ref(c);
        Kind k = c.kind();
        if (k.isInteger()) {
            return switch (r.nextInt(10)) {
                case 0 -> new Expr(ref + " + " + r.nextInt(100), k);
                case 1 -> new Expr(ref + " - " + r.nextInt(100), k);
                case 2 -> new Expr(ref + " * " + pick(new int[] {2, 3, -1}), k);
                case 3 -> new Expr("MOD(" + ref + ", " + (2 + r.nextInt(9)) + ")", k);
                case 4 -> new Expr(ref + " / " + pick(new int[] {2, 3, 7, -4}), k);
                case 5 -> new Expr("ABS(" + ref + ")", k);
                case 6 -> new Expr("COALESCE(" + ref + ", " + (r.nextInt(20) - 10) + ")", k);
                case 7 -> new Expr("-" + ref, k);
                case 8 -> {
                    Column c2 = pickColumn(s.table, Kind::isInteger);
                    yield new Expr("(" + ref + " + " + s.ref(c2) + ")", Kind.BIGINT);
                }
                default -> new Expr("NULLIF(" + ref + ", " + lit(s.table, c) + ")", k);
            };
        }
        if (k == Kind.DECIMAL) {
            return switch (r.nextInt(7)) {
                case 0 -> new Expr(ref + " + 0.25", k);
                case 1 -> new Expr(ref + " * 3", k);
                case 2 -> new Expr("ABS(" + ref + ")", k);
                case 3 -> new Expr("FLOOR(" + ref + ")", k);
                case 4 -> new Expr("CEIL(" + ref + ")", k);
                case 5 -> new Expr("COALESCE(" + ref + ", 0)", k);
                default -> new Expr(ref + " - " + ref + " * 2", k);
            };
        }
        return switch (r.nextInt(4)) { // DOUBLE
            case 0 -> new Expr(ref + " * 2", k);
            case 1 -> new Expr(ref + " + 1.5", k);
            case 2 -> new Expr("ABS(" + ref + " - 1000)", k);
            default -> new Expr(ref + " / 4", k);
        };
    }

    private Expr stringExpr(Src s) {
        Column c = pickColumn(s.table, k -> k == Kind.VARCHAR);
        String ref = s.ref(c);
        return switch (r.nextInt(9)) {
            case 0 -> new Expr("UPPER(" + ref + ")", Kind.VARCHAR);
            case 1 -> new Expr("LOWER(" + ref + ")", Kind.VARCHAR);
            case 2 -> new Expr("TRIM(" + ref + ")", Kind.VARCHAR);
            case 3 -> new Expr("SUBSTRING(" + ref + " FROM " + (1 + r.nextInt(3)) + " FOR " + (1 + r.nextInt(5))
                    + ")", Kind.VARCHAR);
            case 4 -> new Expr(ref + " || '|' || " + s.ref(pickColumn(s.table, k -> k == Kind.VARCHAR)),
                    Kind.VARCHAR);
            case 5 -> new Expr("COALESCE(" + ref + ", 'n/a')", Kind.VARCHAR);
            case 6 -> new Expr("CHAR_LENGTH(" + ref + ")", Kind.INT);
            case 7 -> new Expr("POSITION('e' IN " + ref + ")", Kind.INT);
            default -> new Expr("CAST(" + s.ref(pickColumn(s.table, Kind::isInteger)) + " AS VARCHAR(20))",
                    Kind.VARCHAR);
        };
    }

    private Expr temporalExpr(Src s) {
        List<Column> temporal = s.table.columns.stream().filter(c -> c.kind().isTemporal()).toList();
        if (temporal.isEmpty()) {
            return numericExpr(s);
        }
        Column c = pick(temporal);
        String ref = s.ref(c);
        String[] fields = c.kind() == Kind.DATE ? new String[] {"YEAR", "MONTH", "DAY"}
                : new String[] {"YEAR", "MONTH", "DAY", "HOUR", "MINUTE"};
        return switch (r.nextInt(3)) {
            case 0 -> new Expr("EXTRACT(" + pick(fields) + " FROM " + ref + ")", Kind.INT);
            case 1 -> c.kind() == Kind.TIMESTAMP ? new Expr("CAST(" + ref + " AS DATE)", Kind.DATE)
                    : new Expr("CAST(" + ref + " AS VARCHAR(10))", Kind.VARCHAR);
            default -> new Expr("COALESCE(" + ref + ", " + SqlLiterals.literal(
                    c.kind() == Kind.DATE ? randomDate() : randomTimestamp()) + ")", c.kind());
        };
    }

    private Expr caseExpr(Src s) {
        String cond = pred(List.of(s), 1);
        if (r.nextBoolean()) {
            Column c = pickColumn(s.table, Kind::isNumeric);
            return new Expr("CASE WHEN " + cond + " THEN " + s.ref(c) + " ELSE " + (r.nextInt(20) - 10) + " END",
                    c.kind());
        }
        // literals of equal length: Calcite types string literals as CHAR(n) and pads to the longest branch
        return new Expr("CASE WHEN " + cond + " THEN 'yes' WHEN " + pred(List.of(s), 0) + " THEN 'mid' ELSE 'no!' END",
                Kind.VARCHAR);
    }

    private Expr castExpr(Src s) {
        Column c = pick(s.table.columns);
        String ref = s.ref(c);
        return switch (c.kind()) {
            case INT, SMALLINT -> r.nextBoolean() ? new Expr("CAST(" + ref + " AS DECIMAL(14,2))", Kind.DECIMAL)
                    : new Expr("CAST(" + ref + " AS BIGINT)", Kind.BIGINT);
            case BIGINT -> new Expr("CAST(" + ref + " AS VARCHAR(24))", Kind.VARCHAR);
            case DECIMAL -> new Expr("CAST(" + ref + " AS DOUBLE)", Kind.DOUBLE);
            case DOUBLE -> new Expr("CAST(" + ref + " AS DECIMAL(18,3))", Kind.DECIMAL);
            case VARCHAR -> new Expr("CAST(" + ref + " AS VARCHAR(50))", Kind.VARCHAR);
            case DATE -> new Expr("CAST(" + ref + " AS TIMESTAMP)", Kind.TIMESTAMP);
            case TIMESTAMP -> new Expr("CAST(" + ref + " AS DATE)", Kind.DATE);
            case BOOLEAN -> new Expr("CASE WHEN " + ref + " THEN 1 WHEN NOT " + ref + " THEN 0 END", Kind.INT);
        };
    }

    // ---------------------------------------------------------------------------------------------- literals

    String lit(Table t, Column c) {
        if (r.nextInt(100) < 75) {
            List<Object> vs = values(t, c);
            if (!vs.isEmpty()) {
                return SqlLiterals.literal(pick(vs));
            }
        }
        return SqlLiterals.literal(randomValue(c.kind()));
    }

    private String lits(Table t, Column c, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(lit(t, c));
        }
        return String.join(", ", out);
    }

    /** "lo AND hi" with lo <= hi most of the time (sometimes reversed: an empty range). */
    private String orderedPair(Table t, Column c) {
        Object a = r.nextInt(100) < 75 ? pickValue(t, c) : randomValue(c.kind());
        Object b = r.nextInt(100) < 75 ? pickValue(t, c) : randomValue(c.kind());
        @SuppressWarnings({"unchecked", "rawtypes"})
        int cmp = ((Comparable) a).compareTo(b);
        if (cmp > 0 && r.nextInt(10) != 0) {
            Object x = a;
            a = b;
            b = x;
        }
        return SqlLiterals.literal(a) + " AND " + SqlLiterals.literal(b);
    }

    private Object pickValue(Table t, Column c) {
        List<Object> vs = values(t, c);
        return vs.isEmpty() ? randomValue(c.kind()) : pick(vs);
    }

    Object randomValue(Kind k) {
        return switch (k) {
            case INT -> r.nextInt(2000) - 500;
            case BIGINT -> r.nextBoolean() ? (long) (r.nextInt(200_000) - 100_000) : r.nextLong() % 1_000_000_000_000L;
            case SMALLINT -> (short) (r.nextInt(70) - 10);
            case DECIMAL -> BigDecimal.valueOf(r.nextInt(2_000_000) - 100_000, 2);
            case DOUBLE -> r.nextInt(20_000) / 8.0;
            case VARCHAR -> randomWordish();
            case DATE -> randomDate();
            case TIMESTAMP -> randomTimestamp();
            case BOOLEAN -> r.nextBoolean();
        };
    }

    private String randomWordish() {
        String[][] pools = {Dataset.REGIONS, Dataset.STATUSES, Dataset.CATEGORIES, Dataset.FIRST, Dataset.WORDS};
        String w = pick(pick(pools));
        return switch (r.nextInt(4)) {
            case 0 -> w.substring(0, 1);
            case 1 -> w.toUpperCase();
            default -> w;
        };
    }

    private LocalDate randomDate() {
        return LocalDate.of(2014, 6, 1).plusDays(r.nextInt(4200));
    }

    private LocalDateTime randomTimestamp() {
        return LocalDateTime.of(2019, 10, 1, 0, 0, 0).plusSeconds(r.nextInt(1200 * 24 * 3600));
    }

    private List<Object> values(Table t, Column c) {
        return valueCache.computeIfAbsent(t.name + "." + c.name(), x -> data.values(t, c));
    }

    // -------------------------------------------------------------------------------------------------- picks

    private Table pickTable() {
        int k = r.nextInt(100);
        return k < 40 ? data.orders : k < 65 ? data.customers : k < 85 ? data.products : data.events;
    }

    private Table tableNamed(String name) {
        return data.tables.stream().filter(t -> t.name.equals(name)).findFirst().orElseThrow();
    }

    private Src src(Table t) {
        return new Src(t, t.alias);
    }

    private Column pickColumn(Table t, Predicate<Kind> filter) {
        List<Column> cs = t.columns.stream().filter(c -> filter.test(c.kind())).toList();
        if (cs.isEmpty()) {
            throw new IllegalStateException("no column of the wanted kind in " + t);
        }
        return pick(cs);
    }

    private <T> T pick(List<T> list) {
        return list.get(r.nextInt(list.size()));
    }

    private <T> T pick(T[] array) {
        return array[r.nextInt(array.length)];
    }

    private int pick(int[] array) {
        return array[r.nextInt(array.length)];
    }
}
