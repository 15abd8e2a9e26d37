package io.tessera.sql.dml;

import io.tessera.sql.error.SqlStates;
import io.tessera.sql.error.TesseraException;
import java.lang.reflect.Method;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import org.apache.calcite.avatica.util.ByteString;
import org.apache.calcite.rel.RelHomogeneousShuttle;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.core.Values;
import org.apache.calcite.rel.logical.LogicalValues;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.rel.type.RelDataTypeField;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.sql.type.SqlTypeUtil;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rex.RexBuilder;
import org.apache.calcite.rex.RexCall;
import org.apache.calcite.rex.RexDynamicParam;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexShuttle;
import org.apache.calcite.schema.impl.ScalarFunctionImpl;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.calcite.sql.type.InferTypes;
import org.apache.calcite.sql.type.OperandTypes;
import org.apache.calcite.sql.type.ReturnTypes;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.sql.validate.SqlUserDefinedFunction;

/**
 * Makes the narrowing CASTs in the source of an INSERT fail as the SQL standard says instead of
 * silently truncating or wrapping as Calcite's runtime does: {@code CAST(x AS VARCHAR(5))} of a
 * longer string raises 22001, {@code CAST(300 AS TINYINT)} raises 22003. Calcite adds such casts
 * when it converts {@code INSERT ... VALUES} to the column types, so without this a too-long
 * value would be cut to the column length.
 *
 * <p>Each such {@code CAST(x AS T)} becomes {@code CAST(CHECK(x, ...) AS T)}, where the check
 * returns {@code x} unchanged (same type) or throws; types of every expression stay as they were.
 */
public final class CheckedCasts {
  private CheckedCasts() {}

  private static final SqlUserDefinedFunction CHECK_CHARS = function("checkChars");
  private static final SqlUserDefinedFunction CHECK_BYTES = function("checkBytes");
  private static final SqlUserDefinedFunction CHECK_NUMBER = function("checkNumber");

  private static SqlUserDefinedFunction function(String name) {
    Method method = null;
    for (Method m : CheckedCasts.class.getMethods()) {
      if (m.getName().equals(name)) {
        method = m;
      }
    }
    return new SqlUserDefinedFunction(
        new SqlIdentifier("TESSERA_" + name.toUpperCase(java.util.Locale.ROOT),
            SqlParserPos.ZERO),
        SqlKind.OTHER_FUNCTION, ReturnTypes.ARG0, InferTypes.RETURN_TYPE, null,
        ScalarFunctionImpl.create(method));
  }

  /**
   * Rewrites the source of an INSERT: literal rows keep their literals' own (wider) types, and
   * narrowing casts in expressions are checked.
   */
  public static RelNode apply(RelNode rel) {
    if (rel instanceof Values) {
      return widen((Values) rel);
    }
    return checkCasts(rel);
  }

  /**
   * {@code INSERT ... VALUES} of literals becomes a Values whose row type is the table's, and
   * Calcite's runtime would then cut or wrap a literal that does not fit (e.g. 'much too long'
   * for a VARCHAR(5)). Typed instead by the literals themselves (the least restrictive of the
   * column's and its literals' types), the values reach the writer intact and are checked there.
   */
  private static RelNode widen(Values values) {
    RelDataTypeFactory f = values.getCluster().getTypeFactory();
    List<RelDataTypeField> fields = values.getRowType().getFieldList();
    RelDataTypeFactory.Builder row = f.builder();
    boolean changed = false;
    for (int i = 0; i < fields.size(); i++) {
      List<RelDataType> types = new ArrayList<>();
      types.add(fields.get(i).getType());
      for (List<RexLiteral> tuple : values.getTuples()) {
        RexLiteral literal = tuple.get(i);
        if (!RexLiteral.isNullLiteral(literal)) {
          types.add(literal.getType());
        }
      }
      RelDataType wide = f.leastRestrictive(types);
      if (wide == null || wide.getSqlTypeName() != fields.get(i).getType().getSqlTypeName()
          && !SqlTypeUtil.isNumeric(wide)) {
        wide = fields.get(i).getType();
      }
      wide = f.createTypeWithNullability(wide, fields.get(i).getType().isNullable());
      changed |= !wide.equals(fields.get(i).getType());
      row.add(fields.get(i).getName(), wide);
    }
    if (!changed) {
      return values;
    }
    return LogicalValues.create(values.getCluster(), row.build(), values.getTuples());
  }

  /**
   * Rewrites the narrowing casts of every expression in {@code rel} and its inputs, and reads
   * dynamic parameters of bounded types through a check (Calcite would cut a too-long string
   * parameter to its inferred VARCHAR(n) when reading it).
   */
  public static RelNode checkCasts(RelNode rel) {
    RexShuttle rex = checker(rel.getCluster().getRexBuilder());
    return rel.accept(new RelHomogeneousShuttle() {
      @Override public RelNode visit(RelNode other) {
        RelNode visited = super.visit(other);
        return visited.accept(rex);
      }
    });
  }

  /** {@link #checkCasts(RelNode)} for one expression. */
  public static RexNode checkCasts(RexBuilder rexBuilder, RexNode e) {
    return e.accept(checker(rexBuilder));
  }

  private static RexShuttle checker(RexBuilder rexBuilder) {
    return new RexShuttle() {
      @Override public RexNode visitCall(RexCall call) {
        if (isCheck(call)) {
          return call;
        }
        RexNode visited = super.visitCall(call);
        if (visited.getKind() != SqlKind.CAST || !(visited instanceof RexCall)) {
          return visited;
        }
        RexCall cast = (RexCall) visited;
        RexNode operand = cast.getOperands().get(0);
        if (operand instanceof RexDynamicParam || operand instanceof RexCall
            && isCheck((RexCall) operand)) {
          return cast;
        }
        RexNode checked = check(rexBuilder, operand, cast.getType());
        if (checked == null) {
          return cast;
        }
        List<RexNode> operands = new ArrayList<>(cast.getOperands());
        operands.set(0, checked);
        return cast.clone(cast.getType(), operands);
      }

      @Override public RexNode visitDynamicParam(RexDynamicParam param) {
        RelDataType type = param.getType();
        RelDataTypeFactory f = rexBuilder.getTypeFactory();
        RelDataType wide;
        switch (type.getSqlTypeName()) {
          case CHAR:
          case VARCHAR:
            wide = f.createSqlType(SqlTypeName.VARCHAR);
            break;
          case BINARY:
          case VARBINARY:
            wide = f.createSqlType(SqlTypeName.VARBINARY);
            break;
          case TINYINT:
          case SMALLINT:
          case INTEGER:
          case DECIMAL:
            wide = f.createSqlType(SqlTypeName.ANY);
            break;
          default:
            return param;
        }
        wide = f.createTypeWithNullability(wide, true);
        RexNode checked = check(rexBuilder,
            rexBuilder.makeDynamicParam(wide, param.getIndex()), type);
        return checked == null ? param : rexBuilder.makeAbstractCast(type, checked, false);
      }
    };
  }

  private static boolean isCheck(RexCall call) {
    return call.getOperator() == CHECK_CHARS || call.getOperator() == CHECK_BYTES
        || call.getOperator() == CHECK_NUMBER;
  }

  private static RexNode check(RexBuilder b, RexNode operand, RelDataType target) {
    RelDataType from = operand.getType();
    SqlTypeName to = target.getSqlTypeName();
    switch (to) {
      case CHAR:
      case VARCHAR:
        if (target.getPrecision() <= 0
            || target.getPrecision() == RelDataType.PRECISION_NOT_SPECIFIED
            || !(from.getSqlTypeName() == SqlTypeName.CHAR
                || from.getSqlTypeName() == SqlTypeName.VARCHAR
                || from.getSqlTypeName() == SqlTypeName.ANY)
            || (from.getPrecision() != RelDataType.PRECISION_NOT_SPECIFIED
                && from.getPrecision() <= target.getPrecision())) {
          return null;
        }
        return b.makeCall(from, CHECK_CHARS,
            List.of(operand, b.makeLiteral(target.getPrecision(), intType(b))));
      case BINARY:
      case VARBINARY:
        if (target.getPrecision() <= 0
            || !(from.getSqlTypeName() == SqlTypeName.BINARY
                || from.getSqlTypeName() == SqlTypeName.VARBINARY)
            || (from.getPrecision() != RelDataType.PRECISION_NOT_SPECIFIED
                && from.getPrecision() <= target.getPrecision())) {
          return null;
        }
        return b.makeCall(from, CHECK_BYTES,
            List.of(operand, b.makeLiteral(target.getPrecision(), intType(b))));
      case TINYINT:
      case SMALLINT:
      case INTEGER:
      case BIGINT:
      case DECIMAL:
        if (!(SqlTypeName.NUMERIC_TYPES.contains(from.getSqlTypeName())
            || from.getSqlTypeName() == SqlTypeName.ANY)
            || from.getSqlTypeName() == to && to != SqlTypeName.DECIMAL) {
          return null;
        }
        return b.makeCall(from, CHECK_NUMBER,
            List.of(operand, b.makeLiteral(to.name()),
                b.makeLiteral(target.getPrecision(), intType(b)),
                b.makeLiteral(Math.max(0, target.getScale()), intType(b))));
      default:
        return null;
    }
  }

  private static RelDataType intType(RexBuilder b) {
    return b.getTypeFactory().createSqlType(SqlTypeName.INTEGER);
  }

  /** {@code s}, or 22001 if it is longer than {@code max} characters (trailing blanks aside). */
  public static String checkChars(String s, int max) {
    if (s != null && s.length() > max) {
      int end = s.length();
      while (end > max && s.charAt(end - 1) == ' ') {
        end--;
      }
      if (end > max) {
        throw new TesseraException(SqlStates.STRING_TRUNCATION,
            "Value too long for type CHARACTER VARYING(" + max + ") (length " + s.length() + ")");
      }
    }
    return s;
  }

  /** {@code b}, or 22001 if it is longer than {@code max} bytes. */
  public static ByteString checkBytes(ByteString b, int max) {
    if (b != null && b.length() > max) {
      throw new TesseraException(SqlStates.STRING_TRUNCATION,
          "Value too long for type BINARY VARYING(" + max + ") (length " + b.length() + ")");
    }
    return b;
  }

  /** {@code v}, or 22003 if it does not fit {@code type} (with precision and scale). */
  public static Object checkNumber(Object v, String type, int precision, int scale) {
    if (v == null) {
      return null;
    }
    BigDecimal d = v instanceof BigDecimal ? (BigDecimal) v
        : v instanceof Double || v instanceof Float ? BigDecimal.valueOf(((Number) v).doubleValue())
        : BigDecimal.valueOf(((Number) v).longValue());
    long min;
    long max;
    switch (type) {
      case "TINYINT":
        min = Byte.MIN_VALUE;
        max = Byte.MAX_VALUE;
        break;
      case "SMALLINT":
        min = Short.MIN_VALUE;
        max = Short.MAX_VALUE;
        break;
      case "INTEGER":
        min = Integer.MIN_VALUE;
        max = Integer.MAX_VALUE;
        break;
      case "BIGINT":
        min = Long.MIN_VALUE;
        max = Long.MAX_VALUE;
        break;
      default: {
        BigDecimal scaled = d.setScale(scale, RoundingMode.HALF_UP);
        if (precision > 0 && scaled.precision() - scaled.scale() > precision - scale) {
          throw outOfRange(v, "DECIMAL(" + precision + ", " + scale + ")");
        }
        return v;
      }
    }
    BigDecimal rounded = d.setScale(0, RoundingMode.HALF_UP);
    if (rounded.compareTo(BigDecimal.valueOf(min)) < 0
        || rounded.compareTo(BigDecimal.valueOf(max)) > 0) {
      throw outOfRange(v, type);
    }
    return v;
  }

  private static TesseraException outOfRange(Object v, String type) {
    return new TesseraException(SqlStates.NUMERIC_OUT_OF_RANGE,
        "Value " + v + " out of range for type " + type);
  }
}
