package io.tessera.sql.schema;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableMultimap;
import com.google.common.collect.Multimap;
import io.tessera.protocol.proto.TableSchema;
import io.tessera.protocol.proto.ViewDef;
import io.tessera.sql.exec.ClusterReads;
import io.tessera.sql.exec.ReadCluster;
import io.tessera.sql.meta.ClusterClient;
import io.tessera.sql.meta.ClusterMetadata;
import io.tessera.sql.route.FailoverBudget;
import io.tessera.sql.txn.TxnSession;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.calcite.DataContext;
import org.apache.calcite.schema.Function;
import org.apache.calcite.schema.SchemaPlus;
import org.apache.calcite.schema.Table;
import org.apache.calcite.schema.impl.AbstractSchema;
import org.apache.calcite.schema.impl.ViewTable;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The tables and views of one Tessera cluster, as the {@value #NAME} schema of a connection. It
 * reads the cluster metadata on every lookup (Calcite's schema cache is off), rebuilding its
 * {@link ShardedTable}s only when the metadata version changes, so DDL from any frontend shows up
 * in the next statement.
 */
public final class TesseraSchema extends AbstractSchema {
  public static final String NAME = "PUBLIC";

  private final ClusterClient client;
  private final ReadCluster reads;
  private final FailoverBudget failover;
  private final TxnSession txn;
  private volatile @Nullable SchemaPlus self;
  private volatile Snapshot snapshot = new Snapshot(Long.MIN_VALUE, ImmutableMap.of(),
      ImmutableMap.of());

  public TesseraSchema(ClusterClient client, FailoverBudget failover, TxnSession txn) {
    this.client = client;
    this.reads = ClusterReads.of(client);
    this.failover = failover;
    this.txn = txn;
  }

  /**
   * Adds a schema over {@code client} to a connection's root schema as {@value #NAME} with
   * caching disabled, and returns it; {@code failover} and {@code txn} are the connection's.
   */
  public static SchemaPlus attach(SchemaPlus root, ClusterClient client,
      FailoverBudget failover, TxnSession txn) {
    TesseraSchema schema = new TesseraSchema(client, failover, txn);
    SchemaPlus plus = root.add(NAME, schema);
    // Calcite wraps the table and sub-schema lookups of a schema in snapshot caches when they are
    // first used, and setCacheEnabled(false) disables only the caches that exist: without creating
    // them first, the connection's schema kept the tables of its first lookup for ever (a dropped
    // index or table still showed, a new one did not). Statements plan over their own snapshot of
    // the schema, which reads this one afresh.
    plus.tables();
    plus.subSchemas();
    plus.setCacheEnabled(false);
    schema.self = plus;
    return plus;
  }

  /** The Tessera schema of the connection executing a statement. */
  public static TesseraSchema from(DataContext context) {
    SchemaPlus root = context.getRootSchema();
    SchemaPlus sub = root == null ? null : root.subSchemas().get(NAME);
    TesseraSchema schema = sub == null ? null : sub.unwrap(TesseraSchema.class);
    if (schema == null) {
      throw new IllegalStateException("no Tessera schema " + NAME + " in this connection");
    }
    return schema;
  }

  public ClusterClient client() {
    return client;
  }

  /** How long the connection's requests follow a shard's route through a failover. */
  public FailoverBudget failover() {
    return failover;
  }

  /** The connection's transaction state. */
  public TxnSession txn() {
    return txn;
  }

  /** Metadata, routes, channels and timestamps for the read path. */
  public ReadCluster reads() {
    return reads;
  }

  /** The table named {@code name} (exact, case-sensitive), or null. */
  public @Nullable ShardedTable table(String name) {
    return current().tables.get(name);
  }

  @Override protected Map<String, Table> getTableMap() {
    return ImmutableMap.copyOf(current().tables);
  }

  /** Views are table macros without parameters (Calcite expands them when planning). */
  @Override protected Multimap<String, Function> getFunctionMultimap() {
    SchemaPlus plus = self;
    if (plus == null) {
      return ImmutableMultimap.of();
    }
    Snapshot s = current();
    Multimap<String, Function> views = s.viewMacros;
    if (views == null) {
      ImmutableMultimap.Builder<String, Function> b = ImmutableMultimap.builder();
      for (ViewDef view : s.views.values()) {
        b.put(view.getName(), ViewTable.viewMacro(plus, viewSql(view), ImmutableList.of(NAME),
            ImmutableList.of(NAME, view.getName()), false));
      }
      views = b.build();
      s.viewMacros = views;
    }
    return views;
  }

  /** The view's query, with its explicit column names applied. */
  private static String viewSql(ViewDef view) {
    if (view.getColumnNamesCount() == 0) {
      return view.getSql();
    }
    StringBuilder b = new StringBuilder("SELECT * FROM (").append(view.getSql())
        .append(") AS \"V\" (");
    for (int i = 0; i < view.getColumnNamesCount(); i++) {
      b.append(i == 0 ? "" : ", ").append('"')
          .append(view.getColumnNames(i).replace("\"", "\"\"")).append('"');
    }
    return b.append(')').toString();
  }

  @Override public boolean isMutable() {
    return true;
  }

  private Snapshot current() {
    ClusterMetadata metadata = client.metadata();
    long version = metadata.version();
    Snapshot s = snapshot;
    if (s.version == version) {
      return s;
    }
    synchronized (this) {
      s = snapshot;
      if (s.version == version) {
        return s;
      }
      Map<String, ShardedTable> tables = new HashMap<>();
      for (TableSchema t : metadata.tables().values()) {
        ShardedTable old = s.tables.get(t.getName());
        long id = t.getTableId();
        tables.put(t.getName(), old != null && old.schema().equals(t) ? old
            : new ShardedTable(t, () -> client.metadata().shards(id)));
      }
      snapshot = new Snapshot(version, ImmutableMap.copyOf(tables),
          ImmutableMap.copyOf(metadata.views()));
      return snapshot;
    }
  }

  /** The tables and views of one metadata version. */
  private static final class Snapshot {
    final long version;
    final Map<String, ShardedTable> tables;
    final Map<String, ViewDef> views;
    volatile @Nullable Multimap<String, Function> viewMacros;

    Snapshot(long version, Map<String, ShardedTable> tables, Map<String, ViewDef> views) {
      this.version = version;
      this.tables = tables;
      this.views = views;
    }
  }
}
