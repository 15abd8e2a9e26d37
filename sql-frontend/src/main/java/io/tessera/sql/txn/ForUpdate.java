package io.tessera.sql.txn;

import io.tessera.sql.error.SqlStates;
import io.tessera.sql.error.TesseraException;
import io.tessera.sql.parser.TesseraSqlParser;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.calcite.sql.SqlBasicCall;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlOrderBy;
import org.apache.calcite.sql.SqlSelect;
import org.apache.calcite.sql.parser.SqlParseException;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A {@code SELECT ... FOR UPDATE} taken apart: the query without the clause (what the statement
 * returns) and the lock query, which selects the keys to lock: {@code SELECT <key columns> FROM
 * <the query's FROM and WHERE>} (every row the WHERE clause selects is locked, also beyond a
 * LIMIT). Calcite's grammar has no FOR UPDATE, so the clause is recognised in the text (at the
 * end of the statement, outside literals and comments) and the rest is parsed as usual.
 *
 * <p>Supported: a query over one table (optionally aliased) without DISTINCT, GROUP BY, HAVING or
 * parameters in its select list. Anything else fails with 0A000.
 *
 * @param query the statement without FOR UPDATE
 * @param table the locked table's name (as the parser resolved its case)
 * @param from the text of the FROM and WHERE clauses (from the table reference on)
 * @param lockParameters how many {@code ?} the FROM and WHERE clauses hold (the first ones of
 *     the statement: the select list has none)
 */
public record ForUpdate(String query, String table, String from, int lockParameters) {
  private static final Pattern TRAILING_CLAUSE = Pattern.compile(
      "\\bFOR\\s+UPDATE\\s*;?\\s*$", Pattern.CASE_INSENSITIVE);
  /** Variants of the clause Tessera does not take (EXPLAIN PLAN FOR UPDATE ... is no clause). */
  private static final Pattern VARIANTS = Pattern.compile(
      "\\bFOR\\s+UPDATE\\s+(OF|NOWAIT|SKIP|WAIT)\\b", Pattern.CASE_INSENSITIVE);
  private static final Pattern LITERALS_AND_COMMENTS = Pattern.compile(
      "'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\\n]*|/\\*.*?\\*/", Pattern.DOTALL);

  /** The lock query, selecting {@code columns} (quoted names) of the rows to lock. */
  public String lockQuery(List<String> columns) {
    StringBuilder b = new StringBuilder("SELECT ");
    for (int i = 0; i < columns.size(); i++) {
      b.append(i == 0 ? "" : ", ").append('"').append(columns.get(i).replace("\"", "\"\""))
          .append('"');
    }
    return b.append(" FROM ").append(from).toString();
  }

  /**
   * The FOR UPDATE statement {@code sql} taken apart, or null when {@code sql} does not end with
   * FOR UPDATE.
   *
   * @throws TesseraException 0A000 for a FOR UPDATE that is not supported
   */
  public static @Nullable ForUpdate of(String sql) {
    if (sql == null) {
      return null;
    }
    String masked = mask(sql);
    Matcher m = TRAILING_CLAUSE.matcher(masked);
    if (!m.find()) {
      if (VARIANTS.matcher(masked).find()) {
        throw unsupported("FOR UPDATE OF, NOWAIT, SKIP LOCKED and WAIT are not supported");
      }
      return null;
    }
    String query = sql.substring(0, m.start());
    SqlNode node;
    try {
      node = TesseraSqlParser.parse(query);
    } catch (SqlParseException e) {
      return new ForUpdate(query, "", "", 0); // the query's own syntax error is reported
    }
    if (node instanceof SqlOrderBy) {
      node = ((SqlOrderBy) node).query;
    }
    if (!(node instanceof SqlSelect)) {
      throw unsupported("FOR UPDATE needs a SELECT");
    }
    SqlSelect select = (SqlSelect) node;
    if (select.isDistinct() || select.getGroup() != null || select.getHaving() != null) {
      throw unsupported("FOR UPDATE cannot lock the rows of a query with DISTINCT, GROUP BY or"
          + " HAVING");
    }
    SqlNode from = select.getFrom();
    SqlNode table = from != null && from.getKind() == SqlKind.AS
        ? ((SqlBasicCall) from).operand(0) : from;
    if (table != null && table.getKind() == SqlKind.SNAPSHOT) {
      throw unsupported("FOR SYSTEM_TIME AS OF reads a past snapshot, whose rows cannot be"
          + " locked");
    }
    if (!(table instanceof SqlIdentifier)) {
      throw unsupported("FOR UPDATE needs a query over one table (no joins or subqueries in"
          + " FROM)");
    }
    List<String> names = ((SqlIdentifier) table).names;
    int fromStart = offset(query, from.getParserPosition().getLineNum(),
        from.getParserPosition().getColumnNum());
    SqlParserPos span = select.getParserPosition();
    int end = offset(query, span.getEndLineNum(), span.getEndColumnNum()) + 1;
    if (select.getWhere() != null) {
      SqlParserPos where = select.getWhere().getParserPosition();
      end = Math.max(end, offset(query, where.getEndLineNum(), where.getEndColumnNum()) + 1);
    }
    end = Math.min(Math.max(end, fromStart), query.length());
    String selectList = masked.substring(0, fromStart);
    if (selectList.indexOf('?') >= 0) {
      throw unsupported("FOR UPDATE cannot be used with parameters in the select list");
    }
    int parameters = (int) masked.substring(fromStart, end).chars().filter(c -> c == '?')
        .count();
    return new ForUpdate(query, names.get(names.size() - 1), query.substring(fromStart, end),
        parameters);
  }

  /**
   * For the paths that do not take FOR UPDATE apart (batches of SQL strings): fails with 0A000
   * when {@code sql} uses it.
   */
  public static void rejectIfUsed(String sql) {
    String masked = sql == null ? "" : mask(sql);
    if (TRAILING_CLAUSE.matcher(masked).find() || VARIANTS.matcher(masked).find()) {
      throw unsupported("it can be run with executeQuery/execute of a Statement or"
          + " PreparedStatement, not in a batch");
    }
  }

  /** {@code sql} with literals, quoted identifiers and comments blanked (same length). */
  private static String mask(String sql) {
    Matcher m = LITERALS_AND_COMMENTS.matcher(sql);
    StringBuilder b = new StringBuilder(sql.length());
    int last = 0;
    while (m.find()) {
      b.append(sql, last, m.start()).append(" ".repeat(m.end() - m.start()));
      last = m.end();
    }
    return b.append(sql.substring(last)).toString();
  }

  /** The offset in {@code text} of a 1-based (line, column). */
  private static int offset(String text, int line, int column) {
    int offset = 0;
    for (int l = 1; l < line; l++) {
      int nl = text.indexOf('\n', offset);
      if (nl < 0) {
        return text.length();
      }
      offset = nl + 1;
    }
    return Math.min(text.length(), offset + column - 1);
  }

  private static TesseraException unsupported(String why) {
    return new TesseraException(SqlStates.FEATURE_NOT_SUPPORTED, "SELECT ... FOR UPDATE: " + why);
  }
}
