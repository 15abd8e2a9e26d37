package io.tessera.sql.error;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.DateTimeException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.calcite.avatica.AvaticaClientRuntimeException;
import org.apache.calcite.avatica.AvaticaSeverity;
import org.apache.calcite.runtime.CalciteContextException;
import org.apache.calcite.runtime.CalciteException;
import org.apache.calcite.sql.parser.SqlParseException;
import org.apache.calcite.sql.validate.SqlValidatorException;

/**
 * The one place that decides which SQLState a failure has.
 *
 * <p>Calcite and Avatica wrap failures several times (a {@code RuntimeException} around a
 * {@code SQLException} around a {@code CalciteContextException} around a
 * {@code SqlValidatorException}, ...), and Avatica's {@code Helper.createException} builds the
 * SQLException the application sees; it keeps a SQLState only when the exception it gets is an
 * {@link AvaticaClientRuntimeException}. So {@code TesseraMeta} catches every failure at the Meta
 * boundary and rethrows {@link #toClient(Throwable)}; result-set iteration, which Avatica does not
 * wrap, throws {@link #toSqlException(Throwable)} directly.
 *
 * <table>
 *   <caption>Mapping (first match along the cause chain, most specific first)</caption>
 *   <tr><td>{@link TesseraException}</td>
 *       <td>its own state (shard errors: ShardErrors.sqlState)</td></tr>
 *   <tr><td>SQLException / AvaticaClientRuntimeException with a state</td><td>that state</td></tr>
 *   <tr><td>{@link SqlParseException}</td><td>42000, message with line and column</td></tr>
 *   <tr><td>validation: object/table not found</td><td>42S02</td></tr>
 *   <tr><td>validation: column/field not found</td><td>42S22</td></tr>
 *   <tr><td>validation: NULL into a NOT NULL column without default</td><td>23502</td></tr>
 *   <tr><td>other validation errors</td><td>42000</td></tr>
 *   <tr><td>gRPC UNAVAILABLE / DEADLINE_EXCEEDED</td><td>08006</td></tr>
 *   <tr><td>ArithmeticException</td><td>22012 (division by zero) or 22003</td></tr>
 *   <tr><td>NumberFormatException</td><td>22018</td></tr>
 *   <tr><td>DateTimeException / IllegalArgumentException of date parsing</td><td>22007</td></tr>
 *   <tr><td>SQLFeatureNotSupportedException, UnsupportedOperationException</td><td>0A000</td></tr>
 *   <tr><td>anything else</td><td>XX000</td></tr>
 * </table>
 */
public final class SqlErrors {
  private SqlErrors() {}

  private static final Pattern TABLE_NOT_FOUND =
      Pattern.compile("^(Object|Table) '.*' not found.*", Pattern.DOTALL);
  private static final Pattern NOT_NULLABLE =
      Pattern.compile("^Column '.*' has no default value and does not allow NULLs.*",
          Pattern.DOTALL);
  private static final Pattern COLUMN_NOT_FOUND = Pattern.compile(
      "^(Column '.*' not found.*|Unknown target column .*|Unknown field .*|Unknown identifier .*)",
      Pattern.DOTALL);

  /** A failure classified: SQLState, vendor code, message and the exception it came from. */
  public record Classified(String sqlState, int vendorCode, String message, Throwable origin) {}

  /** The SQLException the application should see for {@code t}. */
  public static SQLException toSqlException(Throwable t) {
    if (t instanceof SQLException && isSpecific((SQLException) t)) {
      return (SQLException) t;
    }
    Classified c = classify(t);
    SQLException e;
    if (SqlStates.FEATURE_NOT_SUPPORTED.equals(c.sqlState())) {
      e = new SQLFeatureNotSupportedException(c.message(), c.sqlState(), c.vendorCode(), t);
    } else {
      e = new SQLException(c.message(), c.sqlState(), c.vendorCode(), t);
    }
    return e;
  }

  /**
   * The unchecked form Avatica turns into an SQLException with this SQLState and vendor code
   * (see {@code org.apache.calcite.avatica.Helper#createException}).
   */
  public static AvaticaClientRuntimeException toClient(Throwable t) {
    if (t instanceof AvaticaClientRuntimeException
        && ((AvaticaClientRuntimeException) t).getSqlState() != null
        && !"00000".equals(((AvaticaClientRuntimeException) t).getSqlState())) {
      return (AvaticaClientRuntimeException) t;
    }
    Classified c = classify(t);
    AvaticaClientRuntimeException e = new AvaticaClientRuntimeException(c.message(),
        c.vendorCode(), c.sqlState(), AvaticaSeverity.ERROR,
        Collections.singletonList(stackTrace(t)), null);
    e.initCause(t);
    return e;
  }

  /** The SQLState {@code t} maps to. */
  public static String sqlState(Throwable t) {
    return classify(t).sqlState();
  }

  /** Classifies {@code t}, looking through its whole cause chain. */
  public static Classified classify(Throwable t) {
    List<Throwable> chain = chain(t);
    for (Throwable x : chain) {
      if (x instanceof TesseraException) {
        TesseraException te = (TesseraException) x;
        return new Classified(te.sqlState(), te.vendorCode(), te.getMessage(), te);
      }
    }
    for (Throwable x : chain) {
      if (x instanceof AvaticaClientRuntimeException) {
        AvaticaClientRuntimeException a = (AvaticaClientRuntimeException) x;
        if (a.getSqlState() != null && !"00000".equals(a.getSqlState())) {
          return new Classified(a.getSqlState(), a.getErrorCode(), a.getMessage(), a);
        }
      }
      if (x instanceof SQLException && isSpecific((SQLException) x)) {
        SQLException s = (SQLException) x;
        return new Classified(s.getSQLState(), s.getErrorCode(), s.getMessage(), s);
      }
    }
    for (Throwable x : chain) {
      if (x instanceof SqlParseException) {
        return new Classified(SqlStates.SYNTAX_ERROR, 0, x.getMessage(), x);
      }
    }
    for (Throwable x : chain) {
      if (x instanceof CalciteContextException || x instanceof SqlValidatorException) {
        return validation(x, chain);
      }
    }
    for (Throwable x : chain) {
      Status status = null;
      if (x instanceof StatusRuntimeException) {
        status = ((StatusRuntimeException) x).getStatus();
      } else if (x instanceof StatusException) {
        status = ((StatusException) x).getStatus();
      }
      if (status != null) {
        switch (status.getCode()) {
          case UNAVAILABLE:
          case DEADLINE_EXCEEDED:
          case ABORTED:
            return new Classified(SqlStates.CONNECTION_FAILURE, 0,
                "Shard node unavailable: " + status, x);
          case CANCELLED:
            return new Classified("57014", 0, "Statement cancelled: " + status, x);
          default:
            return new Classified(SqlStates.INTERNAL, 0, "RPC failed: " + status, x);
        }
      }
    }
    for (Throwable x : chain) {
      if (x instanceof ArithmeticException) {
        String m = String.valueOf(x.getMessage());
        return new Classified(m.contains("by zero") ? SqlStates.DIVISION_BY_ZERO
            : SqlStates.NUMERIC_OUT_OF_RANGE, 0, m, x);
      }
      if (x instanceof NumberFormatException) {
        return new Classified(SqlStates.INVALID_CAST, 0,
            "Invalid number: " + x.getMessage(), x);
      }
      if (x instanceof DateTimeException) {
        return new Classified(SqlStates.INVALID_DATETIME, 0, x.getMessage(), x);
      }
      if (x instanceof SQLFeatureNotSupportedException
          || x instanceof UnsupportedOperationException) {
        return new Classified(SqlStates.FEATURE_NOT_SUPPORTED, 0, message(x), x);
      }
    }
    for (Throwable x : chain) {
      if (x instanceof CalciteException) {
        return new Classified(SqlStates.SYNTAX_ERROR, 0, x.getMessage(), x);
      }
    }
    Throwable root = chain.get(chain.size() - 1);
    return new Classified(SqlStates.INTERNAL, 0, message(root), root);
  }

  private static Classified validation(Throwable x, List<Throwable> chain) {
    // The validator's own message (without "From line 1, column 8 to ...") decides the kind.
    String core = null;
    for (Throwable y : chain) {
      if (y instanceof SqlValidatorException) {
        core = y.getMessage();
        break;
      }
    }
    if (core == null) {
      Throwable cause = x.getCause();
      core = cause != null && cause.getMessage() != null ? cause.getMessage() : x.getMessage();
    }
    String state = SqlStates.SYNTAX_ERROR;
    if (core != null && NOT_NULLABLE.matcher(core).matches()) {
      state = SqlStates.NOT_NULL_VIOLATION;
    } else if (core != null && TABLE_NOT_FOUND.matcher(core).matches()) {
      state = SqlStates.TABLE_NOT_FOUND;
    } else if (core != null && COLUMN_NOT_FOUND.matcher(core).matches()) {
      state = SqlStates.COLUMN_NOT_FOUND;
    }
    return new Classified(state, 0, x.getMessage(), x);
  }

  private static boolean isSpecific(SQLException e) {
    String s = e.getSQLState();
    return s != null && !s.isEmpty() && !"00000".equals(s);
  }

  private static List<Throwable> chain(Throwable t) {
    Map<Throwable, Boolean> seen = new IdentityHashMap<>();
    List<Throwable> out = new java.util.ArrayList<>();
    for (Throwable x = t; x != null && seen.put(x, Boolean.TRUE) == null; x = x.getCause()) {
      out.add(x);
    }
    return out;
  }

  private static String message(Throwable t) {
    String m = t.getMessage();
    return m == null || m.isEmpty() ? t.getClass().getSimpleName() : m;
  }

  private static String stackTrace(Throwable t) {
    StringWriter w = new StringWriter();
    t.printStackTrace(new PrintWriter(w));
    return w.toString();
  }

  /** Throws {@code e} (a checked exception) from a method that does not declare it. */
  @SuppressWarnings("unchecked")
  public static <E extends Throwable> RuntimeException sneakyThrow(Throwable e) throws E {
    throw (E) e;
  }
}
