package io.tessera.sql.planner;

import io.tessera.protocol.codec.Values;
import io.tessera.protocol.proto.ColumnType;
import java.math.BigDecimal;
import java.util.Calendar;
import org.apache.calcite.avatica.util.ByteString;
import org.apache.calcite.avatica.util.DateTimeUtils;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.util.DateString;
import org.apache.calcite.util.NlsString;
import org.apache.calcite.util.TimeString;
import org.apache.calcite.util.TimestampString;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Converts values Calcite hands us (literals, Sarg points, dynamic parameter values) into the Java
 * forms of {@link Values} for a stored column type.
 */
final class SqlValues {
  private SqlValues() {}

  /** Thrown when a value has no exact form in the requested type. */
  static final class NotRepresentable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotRepresentable(String message) {
      super(message, null, false, false);
    }
  }

  /** The value of a literal in the Java form of {@code type}. */
  static @Nullable Object ofLiteral(RexLiteral literal, ColumnType type) {
    if (literal.isNull()) {
      return null;
    }
    switch (type) {
      case BOOLEAN:
        return literal.getValueAs(Boolean.class);
      case TINYINT:
      case SMALLINT:
      case INTEGER:
      case BIGINT:
        return normalize(type, literal.getValueAs(BigDecimal.class));
      case DECIMAL:
        return literal.getValueAs(BigDecimal.class);
      case REAL:
      case DOUBLE:
        return normalize(type, literal.getValueAs(Double.class));
      case CHAR:
      case VARCHAR:
        return literal.getValueAs(String.class);
      case BINARY:
      case VARBINARY: {
        ByteString b = literal.getValueAs(ByteString.class);
        return b == null ? null : b.getBytes();
      }
      case DATE:
      case TIME:
        return literal.getValueAs(Integer.class);
      case TIMESTAMP:
        return literal.getValueAs(Long.class);
      default:
        throw new NotRepresentable("literal of type " + type);
    }
  }

  /**
   * Converts a Sarg point, a parameter value or any value Calcite or JDBC produce to the Java
   * form of {@code type}; integral types accept only integral values.
   */
  static @Nullable Object normalize(ColumnType type, @Nullable Object v) {
    if (v == null) {
      return null;
    }
    if (v instanceof NlsString) {
      v = ((NlsString) v).getValue();
    } else if (v instanceof DateString) {
      v = ((DateString) v).getDaysSinceEpoch();
    } else if (v instanceof TimeString) {
      v = ((TimeString) v).getMillisOfDay();
    } else if (v instanceof TimestampString) {
      v = ((TimestampString) v).getMillisSinceEpoch();
    } else if (v instanceof ByteString) {
      v = ((ByteString) v).getBytes();
    } else if (v instanceof java.sql.Date) {
      v = DateTimeUtils.sqlDateToUnixDate((java.sql.Date) v, (Calendar) null);
    } else if (v instanceof java.sql.Time) {
      v = DateTimeUtils.sqlTimeToUnixTime((java.sql.Time) v, (Calendar) null);
    } else if (v instanceof java.sql.Timestamp) {
      v = DateTimeUtils.sqlTimestampToUnixTimestamp((java.sql.Timestamp) v, (Calendar) null);
    } else if (v instanceof java.util.Date) {
      v = ((java.util.Date) v).getTime();
    } else if (v instanceof Calendar) {
      v = ((Calendar) v).getTimeInMillis();
    }
    switch (type) {
      case TINYINT:
      case SMALLINT:
      case INTEGER:
      case BIGINT:
        return Values.normalize(type, inRange(type, integral(v).longValue()));
      case DECIMAL:
        return v instanceof String ? new BigDecimal(((String) v).trim())
            : Values.normalize(type, v);
      case REAL:
      case DOUBLE:
        return v instanceof String ? Values.normalize(type, Double.valueOf(((String) v).trim()))
            : Values.normalize(type, v);
      case BOOLEAN:
        return v instanceof String ? Boolean.valueOf(((String) v).trim()) : v;
      case DATE:
      case TIME:
      case TIMESTAMP:
        if (!(v instanceof Number)) {
          throw new NotRepresentable("not a " + type + ": " + v);
        }
        return Values.normalize(type, v);
      default:
        return Values.normalize(type, v);
    }
  }

  private static long inRange(ColumnType type, long x) {
    long min;
    long max;
    switch (type) {
      case TINYINT:
        min = Byte.MIN_VALUE;
        max = Byte.MAX_VALUE;
        break;
      case SMALLINT:
        min = Short.MIN_VALUE;
        max = Short.MAX_VALUE;
        break;
      case INTEGER:
        min = Integer.MIN_VALUE;
        max = Integer.MAX_VALUE;
        break;
      default:
        return x;
    }
    if (x < min || x > max) {
      throw new NotRepresentable(x + " is out of range for " + type);
    }
    return x;
  }

  private static Number integral(Object v) {
    if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
      return (Number) v;
    }
    BigDecimal d;
    if (v instanceof BigDecimal) {
      d = (BigDecimal) v;
    } else if (v instanceof String) {
      d = new BigDecimal(((String) v).trim());
    } else if (v instanceof Number) {
      double x = ((Number) v).doubleValue();
      if (x != Math.rint(x) || Double.isInfinite(x)) {
        throw new NotRepresentable("not an integer: " + v);
      }
      d = BigDecimal.valueOf(x);
    } else {
      throw new NotRepresentable("not a number: " + v);
    }
    try {
      return d.longValueExact();
    } catch (ArithmeticException e) {
      throw new NotRepresentable("not an integer: " + v);
    }
  }
}
