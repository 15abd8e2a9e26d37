package io.tessera.sql.planner;

import com.google.common.collect.ImmutableList;
import io.tessera.protocol.codec.RowCodec;
import io.tessera.protocol.codec.Values;
import io.tessera.protocol.proto.AggregateCall;
import io.tessera.protocol.proto.ColumnDef;
import io.tessera.protocol.proto.ColumnType;
import io.tessera.protocol.proto.Expr;
import io.tessera.protocol.proto.Fragment;
import io.tessera.protocol.proto.KeyBound;
import io.tessera.protocol.proto.ScanRequest;
import io.tessera.protocol.proto.SortKey;
import io.tessera.protocol.proto.TableSchema;
import io.tessera.sql.error.SqlStates;
import io.tessera.sql.error.TesseraException;
import io.tessera.sql.exec.AsOfSnapshots;
import io.tessera.sql.exec.ScanOptions;
import io.tessera.sql.exec.ScanSpec;
import io.tessera.sql.exec.ShardScanner;
import io.tessera.sql.schema.ColumnTypes;
import io.tessera.sql.schema.ShardedTable;
import io.tessera.sql.schema.TesseraSchema;
import java.util.ArrayList;
import java.util.List;
import org.apache.calcite.DataContext;
import org.apache.calcite.linq4j.Enumerable;
import org.apache.calcite.rel.RelCollation;
import org.apache.calcite.rel.RelFieldCollation;
import org.apache.calcite.rel.type.RelDataType;
import org.apache.calcite.rex.RexBuilder;
import org.apache.calcite.rex.RexDynamicParam;
import org.apache.calcite.rex.RexLiteral;
import org.apache.calcite.rex.RexNode;
import org.apache.calcite.rex.RexVisitorImpl;
import org.apache.calcite.util.ImmutableBitSet;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A planned shard fragment, ready to run many times: table, access path, filter, projections,
 * partial aggregate, sort, offset and fetch, with {@code ?} parameters still unresolved. {@link #execute} binds the
 * parameters from the {@link DataContext}, chooses the target shards and starts the scans at the
 * statement's read timestamp.
 */
public final class ShardQuery {
  /** Rows per batch the shards send when the fragment has no small limit. */
  static final int MAX_BATCH_ROWS = 1024;

  private final ShardedTable table;
  private final ShardAccess access;
  private final @Nullable RexNode filter;
  private final @Nullable List<RexNode> projects;
  private final RelCollation collation;
  private final @Nullable RexNode offset;
  private final @Nullable RexNode fetch;
  /** GROUP BY of the partial aggregate; null = no aggregate. */
  private final @Nullable ImmutableBitSet groupSet;
  private final List<org.apache.calcite.rel.core.AggregateCall> aggCalls;
  private final RelDataType rowType;
  private final RexBuilder rexBuilder;
  private final boolean scalarRows;
  /** The time of the snapshot to read ({@code FOR SYSTEM_TIME AS OF}), or null. */
  private final @Nullable RexNode asOf;
  private final boolean hasParams;
  /** The bound spec when the fragment has no parameters. */
  private final @Nullable ScanSpec constantSpec;
  private volatile @Nullable Revalidated revalidated;
  /** The plan this fragment is part of, set once when the plan is compiled. */
  private volatile @Nullable PlanScans plan;

  private ShardQuery(ShardedTable table, ShardAccess access, @Nullable RexNode filter,
      @Nullable List<RexNode> projects, RelCollation collation, @Nullable RexNode offset,
      @Nullable RexNode fetch, @Nullable ImmutableBitSet groupSet,
      List<org.apache.calcite.rel.core.AggregateCall> aggCalls, RelDataType rowType,
      RexBuilder rexBuilder, boolean scalarRows, @Nullable RexNode asOf) {
    this.table = table;
    this.access = access;
    this.filter = filter;
    this.projects = projects == null ? null : ImmutableList.copyOf(projects);
    this.collation = collation;
    this.offset = offset;
    this.fetch = fetch;
    this.groupSet = groupSet;
    this.aggCalls = ImmutableList.copyOf(aggCalls);
    this.rowType = rowType;
    this.rexBuilder = rexBuilder;
    this.scalarRows = scalarRows;
    this.asOf = asOf;
    this.hasParams = hasParams(access, filter, projects, offset, fetch);
    // Translate once now: fails early if the planner pushed something untranslatable, and is
    // the spec every execution uses when there are no parameters.
    ScanSpec spec = bind(Params.UNBOUND);
    this.constantSpec = hasParams ? null : spec;
  }

  static ShardQuery of(ShardRel.Implementor implementor, RelDataType rowType,
      RexBuilder rexBuilder) {
    if (implementor.table == null) {
      throw new IllegalStateException("shard fragment without a table scan");
    }
    return new ShardQuery(implementor.table, implementor.access, implementor.filter,
        implementor.projects, implementor.collation, implementor.offset, implementor.fetch,
        implementor.groupSet, implementor.aggCalls, rowType, rexBuilder,
        rowType.getFieldCount() == 1, implementor.asOf);
  }

  ShardQuery withScalarRows(boolean scalar) {
    return scalar == scalarRows ? this : new ShardQuery(table, access, filter, projects,
        collation, offset, fetch, groupSet, aggCalls, rowType, rexBuilder, scalar, asOf);
  }

  /** Records the plan this (freshly made) fragment belongs to. */
  void inPlan(PlanScans scans) {
    this.plan = scans;
  }

  /** Whether this fragment is the only shard scan of its plan. */
  public boolean soleScan() {
    PlanScans p = plan;
    return p != null && p.soleScan();
  }

  public ShardedTable table() {
    return table;
  }

  public ShardAccess access() {
    return access;
  }

  /** The time of the snapshot this fragment reads ({@code FOR SYSTEM_TIME AS OF}), or null. */
  public @Nullable RexNode asOf() {
    return asOf;
  }

  /**
   * Runs the fragment at the snapshot of {@code time}, the value of {@link #asOf()} in this
   * execution (a Calcite TIMESTAMP; null for SQL NULL); called by generated code.
   */
  public Enumerable<Object> executeAsOf(DataContext root, @Nullable Long time) {
    AsOfSnapshots.forExecution(root, time, TesseraSchema.from(root).reads());
    return execute(root);
  }

  /** Runs the fragment on the target shards; called by generated code. */
  public Enumerable<Object> execute(DataContext root) {
    PlanScans p = plan;
    if (p != null) {
      p.checkOneSnapshot();
    }
    TesseraSchema schema = TesseraSchema.from(root);
    ShardQuery query = against(schema.table(table.name()));
    ScanSpec spec = query.constantSpec != null ? query.constantSpec
        : query.bind(Params.of(root));
    return ShardScanner.enumerable(schema.reads(), spec, root,
        ScanOptions.fromSystemProperties(schema.failover()).withLocks(
            AsOfSnapshots.of(root) != null ? schema.txn().pastSnapshotReads() : schema.txn()),
        soleScan());
  }

  /**
   * This fragment for the table as the cluster knows it now ({@code current}), which may have
   * changed since the statement was planned (prepared statements keep their plan): if the index
   * the plan reads was dropped, the same shards are scanned without it (the filter is complete);
   * if the table was dropped (or dropped and created again), the statement fails.
   */
  ShardQuery against(@Nullable ShardedTable current) {
    if (current == table) {
      return this;
    }
    TableSchema planned = table.schema();
    if (current == null || current.schema().getTableId() != planned.getTableId()
        || !current.schema().getColumnsList().equals(planned.getColumnsList())) {
      throw new TesseraException(SqlStates.TABLE_NOT_FOUND, "Table " + table.name()
          + " was dropped or replaced after the statement was prepared; prepare it again");
    }
    int indexId = access.indexId();
    if (indexId == 0 || current.schema().getIndexesList().stream()
        .anyMatch(i -> i.getIndexId() == indexId)) {
      return this;
    }
    Revalidated r = revalidated;
    if (r == null || r.table != current) {
      ShardQuery q = new ShardQuery(current, access.withoutIndex(), filter,
          projects, collation, offset, fetch, groupSet, aggCalls, rowType, rexBuilder,
          scalarRows, asOf);
      q.plan = plan;
      r = new Revalidated(current, q);
      revalidated = r;
    }
    return r.query;
  }

  /** The fragment re-targeted at a changed table, for the table object it was made for. */
  private static final class Revalidated {
    final ShardedTable table;
    final ShardQuery query;

    Revalidated(ShardedTable table, ShardQuery query) {
      this.table = table;
      this.query = query;
    }
  }

  /** The fragment with parameters resolved through {@code params}. */
  public ScanSpec bind(Params params) {
    TableSchema schema = table.schema();
    RexToExpr rexToExpr = new RexToExpr(rexBuilder, params);
    Fragment.Builder fragment = Fragment.newBuilder();
    if (filter != null) {
      fragment.setFilter(rexToExpr.translate(filter));
    }
    ColumnType[] outputTypes;
    if (projects != null) {
      outputTypes = new ColumnType[projects.size()];
      for (int i = 0; i < projects.size(); i++) {
        Expr e = rexToExpr.translate(projects.get(i));
        fragment.addProjections(e);
        outputTypes[i] = e.getType();
      }
    } else {
      List<ColumnDef> visible = schema.getColumnsList().subList(0, table.visibleColumnCount());
      outputTypes = RowCodec.columnTypes(visible);
      if (visible.size() < schema.getColumnsCount()) {
        for (int i = 0; i < visible.size(); i++) {
          fragment.addProjections(rexToExpr.translate(rexBuilder.makeInputRef(
              table.getRowType(rexBuilder.getTypeFactory()).getFieldList().get(i).getType(),
              i)));
        }
      }
    }
    if (groupSet != null) {
      outputTypes = aggregate(fragment, outputTypes);
    }
    for (RelFieldCollation fc : collation.getFieldCollations()) {
      RelFieldCollation.NullDirection nulls = fc.nullDirection
          == RelFieldCollation.NullDirection.UNSPECIFIED
          ? fc.getDirection().defaultNullDirection() : fc.nullDirection;
      fragment.addSort(SortKey.newBuilder()
          .setColumn(fc.getFieldIndex())
          .setDescending(fc.getDirection().isDescending())
          .setNullsFirst(nulls == RelFieldCollation.NullDirection.FIRST));
    }
    long skip = limitValue(offset, params, 0);
    long take = limitValue(fetch, params, -1);
    if (take >= 0) {
      long limit = skip + take;
      fragment.setLimit(limit < 0 ? Long.MAX_VALUE : limit);
    }

    ScanRequest.Builder request = ScanRequest.newBuilder().setFragment(fragment);
    request.setIndexId(access.indexId());
    if (!access.lower().isEmpty()) {
      request.setLower(bound(access.lower(), access.lowerInclusive(), params));
    }
    if (!access.upper().isEmpty()) {
      request.setUpper(bound(access.upper(), access.upperInclusive(), params));
    }
    if (take >= 0) {
      request.setBatchRows((int) Math.max(1, Math.min(MAX_BATCH_ROWS, skip + take)));
    }

    List<Object[]> shardKeys = null;
    if (access.shardKeys() != null) {
      shardKeys = new ArrayList<>();
      for (List<KeyValue> tuple : access.shardKeys()) {
        Object[] values = new Object[tuple.size()];
        for (int i = 0; i < values.length; i++) {
          values[i] = tuple.get(i).resolve(params);
        }
        shardKeys.add(values);
      }
    }
    return new ScanSpec(schema, request.build(), shardKeys, skip, take, outputTypes,
        scalarRows);
  }

  /**
   * Adds the partial aggregate to {@code fragment}, over rows of {@code inputTypes}; returns the
   * aggregate's output types (group keys, then one per call).
   */
  private ColumnType[] aggregate(Fragment.Builder fragment, ColumnType[] inputTypes) {
    io.tessera.protocol.proto.Aggregate.Builder a = io.tessera.protocol.proto.Aggregate.newBuilder();
    ColumnType[] out = new ColumnType[groupSet.cardinality() + aggCalls.size()];
    int i = 0;
    for (int key : groupSet) {
      a.addGroupBy(key);
      out[i++] = inputTypes[key];
    }
    for (org.apache.calcite.rel.core.AggregateCall c : aggCalls) {
      AggregateCall.Builder call = AggregateCall.newBuilder();
      switch (c.getAggregation().getKind()) {
        case COUNT:
          call.setKind(c.getArgList().isEmpty() ? AggregateCall.Kind.COUNT_STAR
              : AggregateCall.Kind.COUNT);
          break;
        case SUM:
          call.setKind(AggregateCall.Kind.SUM);
          break;
        case MIN:
          call.setKind(AggregateCall.Kind.MIN);
          break;
        case MAX:
          call.setKind(AggregateCall.Kind.MAX);
          break;
        default:
          throw new IllegalStateException("aggregate " + c + " cannot run on the shards");
      }
      if (!c.getArgList().isEmpty()) {
        call.setArgument(c.getArgList().get(0));
      }
      ColumnType type = ColumnTypes.toColumnType(c.getType());
      if (type == null) {
        throw new IllegalStateException("aggregate " + c + " has no shard type");
      }
      call.setType(type);
      if (type == ColumnType.DECIMAL) {
        call.setPrecision(c.getType().getPrecision()).setScale(c.getType().getScale());
      }
      a.addCalls(call);
      out[i++] = type;
    }
    fragment.setAggregate(a);
    return out;
  }

  private static KeyBound bound(List<KeyValue> values, boolean inclusive, Params params) {
    KeyBound.Builder b = KeyBound.newBuilder().setInclusive(inclusive);
    for (KeyValue v : values) {
      b.addValues(Values.toProto(v.type(), v.resolve(params)));
    }
    return b.build();
  }

  private static long limitValue(@Nullable RexNode e, Params params, long absent) {
    if (e == null) {
      return absent;
    }
    Object v = e instanceof RexLiteral ? ((RexLiteral) e).getValueAs(Long.class)
        : params.get(((RexDynamicParam) e).getIndex());
    if (v == null) {
      if (params == Params.UNBOUND) {
        return absent;
      }
      throw new TesseraException(SqlStates.DATA_EXCEPTION, "OFFSET/FETCH must not be NULL");
    }
    long n = ((Number) v).longValue();
    if (n < 0) {
      throw new TesseraException(SqlStates.DATA_EXCEPTION, "OFFSET/FETCH must not be negative");
    }
    return n;
  }

  private static boolean hasParams(ShardAccess access, @Nullable RexNode filter,
      @Nullable List<RexNode> projects, @Nullable RexNode offset, @Nullable RexNode fetch) {
    List<RexNode> all = new ArrayList<>();
    if (filter != null) {
      all.add(filter);
    }
    if (projects != null) {
      all.addAll(projects);
    }
    if (offset != null) {
      all.add(offset);
    }
    if (fetch != null) {
      all.add(fetch);
    }
    RexVisitorImpl<Boolean> finder = new RexVisitorImpl<Boolean>(true) {
      @Override public Boolean visitDynamicParam(RexDynamicParam p) {
        throw new IllegalStateException();
      }
    };
    for (RexNode e : all) {
      try {
        e.accept(finder);
      } catch (IllegalStateException found) {
        return true;
      }
    }
    List<List<KeyValue>> keys = access.shardKeys();
    if (keys != null && keys.stream().flatMap(List::stream).anyMatch(KeyValue::isParam)) {
      return true;
    }
    return access.lower().stream().anyMatch(KeyValue::isParam)
        || access.upper().stream().anyMatch(KeyValue::isParam);
  }

  @Override public String toString() {
    StringBuilder b = new StringBuilder("ShardQuery(table=").append(table.name());
    b.append(", shards=").append(access.describeShardKeys());
    if (!access.describeIndex().isEmpty()) {
      b.append(", index=").append(access.describeIndex())
          .append(", range=").append(access.describeRange());
    }
    if (filter != null) {
      b.append(", filter=").append(filter);
    }
    if (projects != null) {
      b.append(", project=").append(projects);
    }
    if (!collation.getFieldCollations().isEmpty()) {
      b.append(", sort=").append(collation);
    }
    if (groupSet != null) {
      b.append(", group=").append(groupSet).append(", aggregates=").append(aggCalls);
    }
    if (offset != null) {
      b.append(", offset=").append(offset);
    }
    if (fetch != null) {
      b.append(", fetch=").append(fetch);
    }
    if (asOf != null) {
      b.append(", asOf=").append(asOf);
    }
    return b.append(')').toString();
  }
}
