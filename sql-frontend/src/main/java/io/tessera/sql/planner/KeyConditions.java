package io.tessera.sql.planner;

import com.google.common.collect.BoundType;
import com.google.common.collect.Range;
import io.tessera.protocol.proto.ColumnType;
import io.tessera.protocol.proto.TableSchema;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.calcite.plan.RelOptUtil;
import org.apache.calcite.rex.RexCall;
import org.apache.calcite.rex.RexDynamicParam;
import org.apache.calcite.rex.RexInputRef;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexUnknownAs;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.util.Sarg;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What a filter says about single columns: equality with one or more values ({@code =},
 * {@code IN}, {@code OR} of equalities, SEARCH points) and ranges ({@code < <= > >=}, BETWEEN,
 * SEARCH ranges), against constants or {@code ?} parameters. Used for shard pruning and index
 * selection; the full filter is still evaluated on the shard, so these only need to be implied
 * by it.
 */
public final class KeyConditions {
  /** Conditions on one column. */
  public static final class Column {
    @Nullable List<KeyValue> points;
    @Nullable KeyValue lower;
    boolean lowerInclusive;
    @Nullable KeyValue upper;
    boolean upperInclusive;

    public @Nullable List<KeyValue> points() {
      return points;
    }

    boolean hasRange() {
      return lower != null || upper != null;
    }
  }

  private final Map<Integer, Column> columns;

  private KeyConditions(Map<Integer, Column> columns) {
    this.columns = columns;
  }

  public @Nullable Column column(int ordinal) {
    return columns.get(ordinal);
  }

  public static KeyConditions of(@Nullable RexNode condition, TableSchema schema) {
    Map<Integer, Column> columns = new HashMap<>();
    if (condition != null) {
      for (RexNode conjunct : RelOptUtil.conjunctions(condition)) {
        new Collector(schema, columns).conjunct(conjunct);
      }
    }
    return new KeyConditions(columns);
  }

  /** Reads one conjunct into {@code columns}; conjuncts it does not understand are ignored. */
  private static final class Collector {
    private final TableSchema schema;
    private final Map<Integer, Column> columns;

    Collector(TableSchema schema, Map<Integer, Column> columns) {
      this.schema = schema;
      this.columns = columns;
    }

    void conjunct(RexNode e) {
      switch (e.getKind()) {
        case EQUALS:
        case LESS_THAN:
        case LESS_THAN_OR_EQUAL:
        case GREATER_THAN:
        case GREATER_THAN_OR_EQUAL:
          comparison((RexCall) e);
          break;
        case SEARCH:
          search((RexCall) e);
          break;
        case OR:
          disjunctionOfEqualities((RexCall) e);
          break;
        default:
          break;
      }
    }

    private void comparison(RexCall call) {
      RexNode a = call.getOperands().get(0);
      RexNode b = call.getOperands().get(1);
      SqlKind kind = call.getKind();
      if (!(a instanceof RexInputRef)) {
        RexNode t = a;
        a = b;
        b = t;
        kind = kind.reverse();
      }
      if (!(a instanceof RexInputRef)) {
        return;
      }
      int col = ((RexInputRef) a).getIndex();
      KeyValue v = value(col, b);
      if (v == null) {
        return;
      }
      Column c = columns.computeIfAbsent(col, k -> new Column());
      switch (kind) {
        case EQUALS:
          if (c.points == null) {
            c.points = Collections.singletonList(v);
          }
          break;
        case LESS_THAN:
        case LESS_THAN_OR_EQUAL:
          if (c.upper == null) {
            c.upper = v;
            c.upperInclusive = kind == SqlKind.LESS_THAN_OR_EQUAL;
          }
          break;
        case GREATER_THAN:
        case GREATER_THAN_OR_EQUAL:
          if (c.lower == null) {
            c.lower = v;
            c.lowerInclusive = kind == SqlKind.GREATER_THAN_OR_EQUAL;
          }
          break;
        default:
          break;
      }
    }

    private void search(RexCall call) {
      if (!(call.getOperands().get(0) instanceof RexInputRef)) {
        return;
      }
      int col = ((RexInputRef) call.getOperands().get(0)).getIndex();
      ColumnType type = keyType(col);
      Sarg<?> sarg = ((RexLiteral) call.getOperands().get(1)).getValueAs(Sarg.class);
      if (type == null || sarg == null || sarg.nullAs == RexUnknownAs.TRUE) {
        return;
      }
      try {
        if (sarg.isPoints()) {
          List<KeyValue> points = new ArrayList<>();
          for (Range<?> r : sarg.rangeSet.asRanges()) {
            points.add(KeyValue.constant(type, SqlValues.normalize(type, r.lowerEndpoint())));
          }
          Column c = columns.computeIfAbsent(col, k -> new Column());
          if (c.points == null) {
            c.points = points;
          }
        } else if (sarg.rangeSet.asRanges().size() == 1) {
          Range<?> r = sarg.rangeSet.asRanges().iterator().next();
          Column c = columns.computeIfAbsent(col, k -> new Column());
          if (r.hasLowerBound() && c.lower == null) {
            c.lower = KeyValue.constant(type, SqlValues.normalize(type, r.lowerEndpoint()));
            c.lowerInclusive = r.lowerBoundType() == BoundType.CLOSED;
          }
          if (r.hasUpperBound() && c.upper == null) {
            c.upper = KeyValue.constant(type, SqlValues.normalize(type, r.upperEndpoint()));
            c.upperInclusive = r.upperBoundType() == BoundType.CLOSED;
          }
        }
      } catch (SqlValues.NotRepresentable | ClassCastException e) {
        // A value of another type (e.g. a fraction compared with an integer column): no key use.
      }
    }

    private void disjunctionOfEqualities(RexCall or) {
      int col = -1;
      List<KeyValue> points = new ArrayList<>();
      for (RexNode d : RelOptUtil.disjunctions(or)) {
        if (d.getKind() != SqlKind.EQUALS) {
          return;
        }
        RexNode a = ((RexCall) d).getOperands().get(0);
        RexNode b = ((RexCall) d).getOperands().get(1);
        if (!(a instanceof RexInputRef)) {
          RexNode t = a;
          a = b;
          b = t;
        }
        if (!(a instanceof RexInputRef)) {
          return;
        }
        int c = ((RexInputRef) a).getIndex();
        if (col >= 0 && c != col) {
          return;
        }
        col = c;
        KeyValue v = value(c, b);
        if (v == null) {
          return;
        }
        points.add(v);
      }
      if (col >= 0) {
        Column c = columns.computeIfAbsent(col, k -> new Column());
        if (c.points == null) {
          c.points = points;
        }
      }
    }

    /** A non-null constant or a parameter of a type that converts exactly to the column's. */
    private @Nullable KeyValue value(int col, RexNode e) {
      ColumnType type = keyType(col);
      if (type == null) {
        return null;
      }
      if (e instanceof RexDynamicParam) {
        ColumnType pt = io.tessera.sql.schema.ColumnTypes.toColumnType(e.getType());
        if (pt == null || !sameKeyDomain(pt, type)) {
          return null;
        }
        return KeyValue.param(type, ((RexDynamicParam) e).getIndex());
      }
      if (e instanceof RexLiteral && !((RexLiteral) e).isNull()) {
        ColumnType lt = io.tessera.sql.schema.ColumnTypes.toColumnType(e.getType());
        if (lt == null || !sameKeyDomain(lt, type)) {
          return null;
        }
        try {
          Object v = SqlValues.normalize(type, SqlValues.ofLiteral((RexLiteral) e, lt));
          return KeyValue.constant(type, v);
        } catch (SqlValues.NotRepresentable | ClassCastException ex) {
          return null;
        }
      }
      return null;
    }

    /** The column's type if it can be used in key ranges (CHAR is blank-padded: not used). */
    private @Nullable ColumnType keyType(int col) {
      if (col >= schema.getColumnsCount()) {
        return null;
      }
      ColumnType t = schema.getColumns(col).getType();
      return t == ColumnType.CHAR ? null : t;
    }
  }

  /** Whether a value of type {@code v} converts to column type {@code c} without changing order. */
  static boolean sameKeyDomain(ColumnType v, ColumnType c) {
    if (v == c) {
      return true;
    }
    return isInteger(v) && (isInteger(c) || c == ColumnType.DECIMAL)
        || v == ColumnType.DECIMAL && isInteger(c)
        || v == ColumnType.VARCHAR && c == ColumnType.VARCHAR
        || (v == ColumnType.CHAR || v == ColumnType.VARCHAR) && c == ColumnType.VARCHAR
        || (v == ColumnType.BINARY || v == ColumnType.VARBINARY) && c == ColumnType.VARBINARY;
  }

  private static boolean isInteger(ColumnType t) {
    return t == ColumnType.TINYINT || t == ColumnType.SMALLINT || t == ColumnType.INTEGER
        || t == ColumnType.BIGINT;
  }
}
