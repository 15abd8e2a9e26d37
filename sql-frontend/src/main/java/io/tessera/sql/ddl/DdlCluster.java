package io.tessera.sql.ddl;

import io.tessera.protocol.proto.DdlResponse;
import io.tessera.protocol.proto.IndexDef;
import io.tessera.protocol.proto.TableSchema;
import io.tessera.protocol.proto.ViewDef;

/** What {@link TesseraDdlExecutor} needs from the cluster: the coordinator's DDL and metadata. */
public interface DdlCluster {
  DdlResponse createTable(TableSchema table, boolean ifNotExists);

  DdlResponse dropTable(String name, boolean ifExists);

  DdlResponse createIndex(String table, IndexDef index, boolean ifNotExists);

  DdlResponse dropIndex(String name, boolean ifExists);

  DdlResponse createView(ViewDef view, boolean orReplace);

  DdlResponse dropView(String name, boolean ifExists);

  /** The table as the metadata knows it now, or null. */
  TableSchema table(String name);

  /** Number of live shard nodes. */
  int liveNodes();

  /** Waits until this connection's metadata shows the outcome of the DDL just executed. */
  void refresh();
}
