package io.tessera.sql.planner;

import com.google.common.collect.Range;
import io.tessera.protocol.codec.Values;
import io.tessera.protocol.proto.Call;
import io.tessera.protocol.proto.ColumnType;
import io.tessera.protocol.proto.Expr;
import io.tessera.protocol.proto.Op;
import io.tessera.sql.schema.ColumnTypes;
import java.util.List;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rex.RexBuilder;
import org.apache.calcite.rex.RexCall;
import org.apache.calcite.rex.RexDynamicParam;
import org.apache.calcite.rex.RexInputRef;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexUnknownAs;
import org.apache.calcite.rex.RexUtil;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.fun.SqlStdOperatorTable;
import org.apache.calcite.sql.type.SqlTypeFamily;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.util.Sarg;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Translates a {@link RexNode} over a table's columns into the {@link Expr} a shard node
 * evaluates: column references, literals and {@code ?} parameters (as literals, resolved through
 * {@link Params}), comparisons, AND/OR/NOT, IS [NOT] NULL/TRUE/FALSE, + - * / MOD and negation on
 * numbers, LIKE, SEARCH (IN lists, ranges), and widening numeric CASTs.
 *
 * <p>Anything else throws {@link Untranslatable}; the planner then leaves that expression to
 * Calcite above the shard scan. Input references must be table column ordinals, i.e. translate
 * only expressions whose input is the table scan itself.
 */
public final class RexToExpr {
  private final RexBuilder rexBuilder;
  private final Params params;

  public RexToExpr(RexBuilder rexBuilder, Params params) {
    this.rexBuilder = rexBuilder;
    this.params = params;
  }

  /** The expression cannot run on a shard node. */
  public static final class Untranslatable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Untranslatable(String message) {
      super(message, null, false, false);
    }
  }

  /** Whether {@code e} can be pushed to the shard nodes (parameters may be anything). */
  public static boolean isTranslatable(RexBuilder rexBuilder, RexNode e) {
    try {
      new RexToExpr(rexBuilder, Params.UNBOUND).translate(e);
      return true;
    } catch (Untranslatable | SqlValues.NotRepresentable ex) {
      return false;
    }
  }

  public Expr translate(RexNode e) {
    if (e instanceof RexInputRef) {
      return typed(Expr.newBuilder().setColumn(((RexInputRef) e).getIndex()), e.getType());
    }
    if (e instanceof RexLiteral) {
      return literal((RexLiteral) e);
    }
    if (e instanceof RexDynamicParam) {
      RexDynamicParam p = (RexDynamicParam) e;
      ColumnType type = columnType(p.getType());
      Object value = SqlValues.normalize(type, params.get(p.getIndex()));
      return typed(Expr.newBuilder().setLiteral(Values.toProto(type, value)), p.getType());
    }
    if (e instanceof RexCall) {
      return call((RexCall) e);
    }
    throw new Untranslatable("unsupported expression " + e);
  }

  private Expr call(RexCall call) {
    List<RexNode> ops = call.getOperands();
    switch (call.getKind()) {
      case EQUALS:
        return comparison(Op.EQ, call);
      case NOT_EQUALS:
        return comparison(Op.NE, call);
      case LESS_THAN:
        return comparison(Op.LT, call);
      case LESS_THAN_OR_EQUAL:
        return comparison(Op.LE, call);
      case GREATER_THAN:
        return comparison(Op.GT, call);
      case GREATER_THAN_OR_EQUAL:
        return comparison(Op.GE, call);
      case AND:
        return op(Op.AND, call.getType(), ops);
      case OR:
        return op(Op.OR, call.getType(), ops);
      case NOT:
        return op(Op.NOT, call.getType(), ops);
      case IS_NULL:
        return op(Op.IS_NULL, call.getType(), ops);
      case IS_NOT_NULL:
        return op(Op.IS_NOT_NULL, call.getType(), ops);
      case IS_TRUE:
        return op(Op.IS_TRUE, call.getType(), ops);
      case IS_FALSE:
        return op(Op.IS_FALSE, call.getType(), ops);
      case IS_NOT_TRUE:
        return not(op(Op.IS_TRUE, call.getType(), ops), call.getType());
      case IS_NOT_FALSE:
        return not(op(Op.IS_FALSE, call.getType(), ops), call.getType());
      case PLUS:
        return arithmetic(Op.PLUS, call);
      case MINUS:
        return arithmetic(Op.MINUS, call);
      case TIMES:
        return arithmetic(Op.TIMES, call);
      case DIVIDE:
        // DECIMAL division rounds to a derived scale; leave it to Calcite.
        if (call.getType().getSqlTypeName() == SqlTypeName.DECIMAL) {
          throw new Untranslatable("decimal division");
        }
        return arithmetic(Op.DIVIDE, call);
      case MOD:
        return arithmetic(Op.MOD, call);
      case MINUS_PREFIX:
        return arithmetic(Op.NEGATE, call);
      case PLUS_PREFIX:
        return translate(ops.get(0));
      case LIKE:
        if (call.getOperator() != SqlStdOperatorTable.LIKE) {
          throw new Untranslatable("only case-sensitive LIKE is pushed: " + call);
        }
        requireCharacter(ops.get(0));
        requireCharacter(ops.get(1));
        return op(Op.LIKE, call.getType(), ops);
      case SEARCH:
        return search(call);
      case CAST:
        return cast(call);
      default:
        throw new Untranslatable("unsupported call " + call.getKind());
    }
  }

  private Expr comparison(Op op, RexCall call) {
    RelDataType left = call.getOperands().get(0).getType();
    RelDataType right = call.getOperands().get(1).getType();
    if (!comparable(left, right)) {
      throw new Untranslatable("incomparable types " + left + " and " + right);
    }
    return op(op, call.getType(), call.getOperands());
  }

  private static boolean comparable(RelDataType a, RelDataType b) {
    ColumnType x = columnType(a);
    ColumnType y = columnType(b);
    if (x == y) {
      return true;
    }
    return family(x) == family(y) && family(x) != null;
  }

  private static @Nullable String family(ColumnType t) {
    switch (t) {
      case TINYINT:
      case SMALLINT:
      case INTEGER:
      case BIGINT:
      case DECIMAL:
      case REAL:
      case DOUBLE:
        return "numeric";
      case CHAR:
      case VARCHAR:
        return "character";
      case BINARY:
      case VARBINARY:
        return "binary";
      default:
        return null; // BOOLEAN, DATE, TIME, TIMESTAMP compare only with themselves
    }
  }

  private Expr arithmetic(Op op, RexCall call) {
    if (!"numeric".equals(family(columnType(call.getType())))) {
      throw new Untranslatable("non-numeric arithmetic " + call);
    }
    for (RexNode operand : call.getOperands()) {
      if (!"numeric".equals(family(columnType(operand.getType())))) {
        throw new Untranslatable("non-numeric operand " + operand);
      }
    }
    return op(op, call.getType(), call.getOperands());
  }

  private static void requireCharacter(RexNode e) {
    if (!"character".equals(family(columnType(e.getType())))) {
      throw new Untranslatable("not a character value: " + e);
    }
  }

  private Expr search(RexCall call) {
    RexNode ref = call.getOperands().get(0);
    RexLiteral sargLiteral = (RexLiteral) call.getOperands().get(1);
    Sarg<?> sarg = sargLiteral.getValueAs(Sarg.class);
    if (sarg != null && sarg.isPoints() && sarg.nullAs == RexUnknownAs.UNKNOWN) {
      RelDataType valueType = sargLiteral.getType().getSqlTypeName() == SqlTypeName.SARG
          ? ref.getType() : sargLiteral.getType();
      if (!comparable(ref.getType(), valueType)) {
        throw new Untranslatable("incomparable IN list " + call);
      }
      ColumnType type = columnType(valueType);
      Call.Builder in = Call.newBuilder().setOp(Op.IN).addOperands(translate(ref));
      for (Range<?> point : sarg.rangeSet.asRanges()) {
        Expr.Builder literal = Expr.newBuilder()
            .setLiteral(Values.toProto(type, SqlValues.normalize(type, point.lowerEndpoint())));
        in.addOperands(typed(literal, valueType));
      }
      return typed(Expr.newBuilder().setCall(in), call.getType());
    }
    return translate(RexUtil.expandSearch(rexBuilder, null, call));
  }

  private Expr cast(RexCall call) {
    RexNode operand = call.getOperands().get(0);
    RelDataType from = operand.getType();
    RelDataType to = call.getType();
    ColumnType f = columnType(from);
    ColumnType t = columnType(to);
    if (f == t && from.getPrecision() == to.getPrecision() && from.getScale() == to.getScale()) {
      // Only nullability changes.
      return translate(operand);
    }
    if (!isWidening(f, t, from, to)) {
      throw new Untranslatable("cast from " + from + " to " + to);
    }
    return op(Op.CAST, to, call.getOperands());
  }

  /** Casts that never lose information or fail (the ones Calcite adds to compare mixed types). */
  private static boolean isWidening(ColumnType f, ColumnType t, RelDataType from, RelDataType to) {
    int fr = integerRank(f);
    int tr = integerRank(t);
    if (fr > 0 && tr > 0) {
      return fr <= tr;
    }
    if (fr > 0 && (t == ColumnType.DOUBLE || t == ColumnType.REAL && fr <= 2)) {
      return true;
    }
    if (f == ColumnType.REAL && t == ColumnType.DOUBLE) {
      return true;
    }
    if (fr > 0 && t == ColumnType.DECIMAL) {
      int digits = new int[] {0, 3, 5, 10, 19}[fr];
      return to.getPrecision() - to.getScale() >= digits;
    }
    if (f == ColumnType.DECIMAL && t == ColumnType.DECIMAL) {
      return to.getScale() >= from.getScale()
          && to.getPrecision() - to.getScale() >= from.getPrecision() - from.getScale();
    }
    return (f == ColumnType.VARCHAR || f == ColumnType.CHAR) && t == ColumnType.VARCHAR
        && (to.getPrecision() < 0 || to.getPrecision() >= from.getPrecision()
            && from.getPrecision() >= 0);
  }

  private static int integerRank(ColumnType t) {
    switch (t) {
      case TINYINT:
        return 1;
      case SMALLINT:
        return 2;
      case INTEGER:
        return 3;
      case BIGINT:
        return 4;
      default:
        return 0;
    }
  }

  private Expr literal(RexLiteral literal) {
    RelDataType type = literal.getType();
    if (type.getSqlTypeName() == SqlTypeName.NULL) {
      throw new Untranslatable("untyped NULL");
    }
    ColumnType t = columnType(type);
    return typed(Expr.newBuilder().setLiteral(Values.toProto(t, SqlValues.ofLiteral(literal, t))),
        type);
  }

  private Expr op(Op op, RelDataType type, List<RexNode> operands) {
    Call.Builder c = Call.newBuilder().setOp(op);
    for (RexNode operand : operands) {
      c.addOperands(translate(operand));
    }
    return typed(Expr.newBuilder().setCall(c), type);
  }

  private Expr not(Expr e, RelDataType type) {
    return typed(Expr.newBuilder().setCall(Call.newBuilder().setOp(Op.NOT).addOperands(e)), type);
  }

  /** Sets the result type; fails for types the shard nodes do not have. */
  private static Expr typed(Expr.Builder b, RelDataType type) {
    ColumnType t = columnType(type);
    b.setType(t);
    if (t == ColumnType.DECIMAL) {
      b.setPrecision(type.getPrecision()).setScale(type.getScale());
    } else if (type.getSqlTypeName().getFamily() == SqlTypeFamily.CHARACTER
        || type.getSqlTypeName().getFamily() == SqlTypeFamily.BINARY) {
      b.setPrecision(Math.max(0, type.getPrecision()));
    }
    return b.build();
  }

  static ColumnType columnType(RelDataType type) {
    ColumnType t = ColumnTypes.toColumnType(type);
    if (t == null) {
      throw new Untranslatable("type " + type + " is not stored by Tessera");
    }
    return t;
  }
}
