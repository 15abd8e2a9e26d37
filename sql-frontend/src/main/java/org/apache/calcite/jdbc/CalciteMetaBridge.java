package org.apache.calcite.jdbc;

import org.apache.calcite.avatica.AvaticaConnection;

/**
 * Lets {@code io.tessera.sql.jdbc.TesseraMeta} extend {@link CalciteMetaImpl}, whose constructor
 * takes Calcite's package-private connection class. This is the only Tessera class in a Calcite
 * package, and all it does is that cast. (Delegating instead of extending would break Calcite's
 * own metadata tables, which cast the connection's Meta to {@link CalciteMetaImpl}.)
 */
public abstract class CalciteMetaBridge extends CalciteMetaImpl {
  protected CalciteMetaBridge(AvaticaConnection connection) {
    super((CalciteConnectionImpl) connection, CalciteMetaTableFactoryImpl.INSTANCE,
        CalciteMetaColumnFactoryImpl.INSTANCE);
  }
}
