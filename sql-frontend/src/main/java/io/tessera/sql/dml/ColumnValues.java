package io.tessera.sql.dml;

import io.tessera.protocol.codec.Values;
import io.tessera.protocol.proto.ColumnDef;
import io.tessera.protocol.proto.ColumnType;
import io.tessera.sql.error.SqlStates;
import io.tessera.sql.error.TesseraException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import org.apache.calcite.avatica.util.ByteString;

/**
 * Coerces a value Calcite produced for a column into the column's stored Java form
 * ({@link Values}) and enforces the column's constraints: NOT NULL (23502), length of
 * CHAR/VARCHAR/BINARY/VARBINARY (22001), range and precision of numbers (22003).
 */
final class ColumnValues {
  private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
  private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

  private ColumnValues() {}

  static Object coerce(String table, ColumnDef c, Object v) {
    if (v == null) {
      if (!c.getNullable()) {
        throw new TesseraException(SqlStates.NOT_NULL_VIOLATION,
            "NULL value in column " + c.getName() + " of table " + table
                + " violates its NOT NULL constraint");
      }
      return null;
    }
    ColumnType type = c.getType();
    switch (type) {
      case CHAR:
      case VARCHAR:
        return checkString(table, c, v.toString());
      case BINARY:
      case VARBINARY:
        byte[] bytes = v instanceof ByteString ? ((ByteString) v).getBytes()
            : v instanceof byte[] ? (byte[]) v : (byte[]) Values.normalize(type, v);
        if (c.getPrecision() > 0 && bytes.length > c.getPrecision()) {
          throw new TesseraException(SqlStates.STRING_TRUNCATION, "Value of " + bytes.length
              + " bytes too long for column " + c.getName() + " " + typeName(c));
        }
        return bytes;
      case TINYINT:
        return (byte) checkRange(c, v, Byte.MIN_VALUE, Byte.MAX_VALUE);
      case SMALLINT:
        return (short) checkRange(c, v, Short.MIN_VALUE, Short.MAX_VALUE);
      case INTEGER:
        return (int) checkRange(c, v, Integer.MIN_VALUE, Integer.MAX_VALUE);
      case BIGINT:
        return checkRange(c, v, Long.MIN_VALUE, Long.MAX_VALUE);
      case DECIMAL:
        return checkDecimal(c, v);
      case REAL: {
        double d = ((Number) v).doubleValue();
        float f = (float) d;
        if (Float.isInfinite(f) && !Double.isInfinite(d)) {
          throw outOfRange(c, v);
        }
        return f;
      }
      case DOUBLE:
        return ((Number) v).doubleValue();
      default:
        return Values.normalize(type, v);
    }
  }

  private static String checkString(String table, ColumnDef c, String s) {
    int max = c.getPrecision();
    if (max > 0 && s.length() > max) {
      // Trailing blanks beyond the length are dropped, as the SQL standard says.
      int end = s.length();
      while (end > max && s.charAt(end - 1) == ' ') {
        end--;
      }
      if (end > max) {
        throw new TesseraException(SqlStates.STRING_TRUNCATION, "Value too long for column "
            + c.getName() + " " + typeName(c) + " of table " + table + " (length "
            + s.length() + ")");
      }
      s = s.substring(0, max);
    }
    return s;
  }

  private static long checkRange(ColumnDef c, Object v, long min, long max) {
    long x;
    if (v instanceof BigDecimal) {
      BigDecimal d = ((BigDecimal) v).setScale(0, RoundingMode.HALF_UP);
      BigInteger i = d.toBigInteger();
      if (i.compareTo(LONG_MIN) < 0 || i.compareTo(LONG_MAX) > 0) {
        throw outOfRange(c, v);
      }
      x = i.longValue();
    } else if (v instanceof Double || v instanceof Float) {
      double d = Math.rint(((Number) v).doubleValue());
      if (Double.isNaN(d) || d < -9.223372036854776E18 || d >= 9.223372036854776E18) {
        throw outOfRange(c, v);
      }
      x = (long) d;
    } else if (v instanceof Number) {
      x = ((Number) v).longValue();
    } else if (v instanceof Boolean) {
      x = ((Boolean) v) ? 1 : 0;
    } else {
      throw new TesseraException(SqlStates.INVALID_CAST,
          "Cannot convert " + v + " to " + typeName(c) + " for column " + c.getName());
    }
    if (x < min || x > max) {
      throw outOfRange(c, v);
    }
    return x;
  }

  private static BigDecimal checkDecimal(ColumnDef c, Object v) {
    BigDecimal d = v instanceof BigDecimal ? (BigDecimal) v : new BigDecimal(v.toString());
    int p = c.getPrecision();
    if (p <= 0) {
      return d;
    }
    int s = Math.max(0, c.getScale());
    d = d.setScale(s, RoundingMode.HALF_UP);
    if (d.precision() - d.scale() > p - s) {
      throw outOfRange(c, v);
    }
    return d;
  }

  private static TesseraException outOfRange(ColumnDef c, Object v) {
    return new TesseraException(SqlStates.NUMERIC_OUT_OF_RANGE,
        "Value " + v + " out of range for column " + c.getName() + " " + typeName(c));
  }

  static String typeName(ColumnDef c) {
    switch (c.getType()) {
      case CHAR:
      case VARCHAR:
      case BINARY:
      case VARBINARY:
        return c.getPrecision() > 0 ? c.getType() + "(" + c.getPrecision() + ")"
            : c.getType().name();
      case DECIMAL:
        return c.getPrecision() > 0
            ? "DECIMAL(" + c.getPrecision() + ", " + c.getScale() + ")" : "DECIMAL";
      default:
        return c.getType().name();
    }
  }
}
