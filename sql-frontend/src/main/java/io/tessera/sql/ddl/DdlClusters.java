package io.tessera.sql.ddl;

import io.tessera.protocol.proto.CreateIndexRequest;
import io.tessera.protocol.proto.CreateTableRequest;
import io.tessera.protocol.proto.CreateViewRequest;
import io.tessera.protocol.proto.DdlResponse;
import io.tessera.protocol.proto.DropIndexRequest;
import io.tessera.protocol.proto.DropTableRequest;
import io.tessera.protocol.proto.DropViewRequest;
import io.tessera.protocol.proto.IndexDef;
import io.tessera.protocol.proto.TableSchema;
import io.tessera.protocol.proto.ViewDef;
import io.tessera.sql.meta.ClusterClient;
import io.tessera.sql.meta.CoordinatorClient;
import io.tessera.sql.schema.TesseraSchema;
import org.apache.calcite.jdbc.CalcitePrepare;
import org.apache.calcite.schema.SchemaPlus;

/** The {@link DdlCluster} of the connection executing a DDL statement. */
final class DdlClusters {
  private DdlClusters() {}

  static DdlCluster from(CalcitePrepare.Context context) {
    SchemaPlus sub = context.getRootSchema().plus().subSchemas().get(TesseraSchema.NAME);
    TesseraSchema schema = sub == null ? null : sub.unwrap(TesseraSchema.class);
    if (schema == null) {
      throw new IllegalStateException("no Tessera schema " + TesseraSchema.NAME
          + " in this connection");
    }
    return new Adapter(schema.client());
  }

  private record Adapter(ClusterClient client) implements DdlCluster {
    private CoordinatorClient coordinator() {
      return client.coordinator();
    }

    @Override public DdlResponse createTable(TableSchema table, boolean ifNotExists) {
      return coordinator().createTable(CreateTableRequest.newBuilder().setTable(table)
          .setIfNotExists(ifNotExists).build());
    }

    @Override public DdlResponse dropTable(String name, boolean ifExists) {
      return coordinator().dropTable(DropTableRequest.newBuilder().setName(name)
          .setIfExists(ifExists).build());
    }

    @Override public DdlResponse createIndex(String table, IndexDef index, boolean ifNotExists) {
      return coordinator().createIndex(CreateIndexRequest.newBuilder().setTable(table)
          .setIndex(index).setIfNotExists(ifNotExists).build());
    }

    @Override public DdlResponse dropIndex(String name, boolean ifExists) {
      return coordinator().dropIndex(DropIndexRequest.newBuilder().setName(name)
          .setIfExists(ifExists).build());
    }

    @Override public DdlResponse createView(ViewDef view, boolean orReplace) {
      return coordinator().createView(CreateViewRequest.newBuilder().setView(view)
          .setOrReplace(orReplace).build());
    }

    @Override public DdlResponse dropView(String name, boolean ifExists) {
      return coordinator().dropView(DropViewRequest.newBuilder().setName(name)
          .setIfExists(ifExists).build());
    }

    @Override public TableSchema table(String name) {
      return client.metadata().tables().get(name);
    }

    @Override public int liveNodes() {
      return client.metadata().liveNodes().size();
    }

    @Override public void refresh() {
      client.metadata().refresh();
    }
  }
}
