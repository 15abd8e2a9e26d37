package io.tessera.sql.jdbc;

import io.tessera.protocol.proto.ColumnDef;
import io.tessera.protocol.proto.TableSchema;
import io.tessera.sql.dml.InsertedKeys;
import java.math.BigDecimal;
import java.sql.Date;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Time;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.sql.rowset.CachedRowSet;
import javax.sql.rowset.RowSetMetaDataImpl;
import javax.sql.rowset.RowSetProvider;

/**
 * What {@code Statement.getGeneratedKeys()} returns: for {@code RETURN_GENERATED_KEYS}, the
 * primary key columns of the inserted rows (the hidden row id of a table without a declared key);
 * for column names or indexes, those columns of the inserted rows. A statement that inserted
 * nothing (or did not ask) gets an empty result set, never an exception.
 */
final class GeneratedKeys {
  /** Which columns a statement asked for. */
  record Request(String[] names, int[] indexes) {
    static final Request KEYS = new Request(null, null);
  }

  private GeneratedKeys() {}

  static ResultSet resultSet(Request request, InsertedKeys captured) throws SQLException {
    TableSchema table = captured == null ? null : captured.table();
    List<Integer> columns = new ArrayList<>();
    if (table != null && request != null) {
      columns = columns(request, table);
    }
    CachedRowSet rs = RowSetProvider.newFactory().createCachedRowSet();
    RowSetMetaDataImpl md = new RowSetMetaDataImpl();
    if (columns.isEmpty()) {
      md.setColumnCount(1);
      md.setColumnName(1, "GENERATED_KEY");
      md.setColumnLabel(1, "GENERATED_KEY");
      md.setColumnType(1, Types.BIGINT);
      rs.setMetaData(md);
      return rs;
    }
    md.setColumnCount(columns.size());
    for (int i = 0; i < columns.size(); i++) {
      ColumnDef c = table.getColumns(columns.get(i));
      md.setColumnName(i + 1, c.getName());
      md.setColumnLabel(i + 1, c.getName());
      md.setColumnType(i + 1, jdbcType(c));
      md.setTableName(i + 1, table.getName());
    }
    rs.setMetaData(md);
    for (Object[] row : captured.rows()) {
      rs.moveToInsertRow();
      for (int i = 0; i < columns.size(); i++) {
        int ordinal = columns.get(i);
        Object v = jdbcValue(table.getColumns(ordinal), row[ordinal]);
        if (v == null) {
          rs.updateNull(i + 1);
        } else {
          rs.updateObject(i + 1, v);
        }
      }
      rs.insertRow();
      rs.moveToCurrentRow();
    }
    rs.beforeFirst();
    return rs;
  }

  private static List<Integer> columns(Request request, TableSchema table) {
    List<Integer> out = new ArrayList<>();
    if (request.names() != null) {
      for (String name : request.names()) {
        for (int i = 0; i < table.getColumnsCount(); i++) {
          String column = table.getColumns(i).getName();
          if (column.equals(name) || column.equals(name.toUpperCase(Locale.ROOT))) {
            out.add(i);
            break;
          }
        }
      }
    } else if (request.indexes() != null) {
      for (int index : request.indexes()) {
        if (index >= 1 && index <= table.getColumnsCount()) {
          out.add(index - 1);
        }
      }
    } else {
      out.addAll(table.getPrimaryKeyList());
    }
    return out;
  }

  private static int jdbcType(ColumnDef c) {
    switch (c.getType()) {
      case BOOLEAN: return Types.BOOLEAN;
      case TINYINT: return Types.TINYINT;
      case SMALLINT: return Types.SMALLINT;
      case INTEGER: return Types.INTEGER;
      case BIGINT: return Types.BIGINT;
      case DECIMAL: return Types.DECIMAL;
      case REAL: return Types.REAL;
      case DOUBLE: return Types.DOUBLE;
      case CHAR: return Types.CHAR;
      case VARCHAR: return Types.VARCHAR;
      case BINARY: return Types.BINARY;
      case VARBINARY: return Types.VARBINARY;
      case DATE: return Types.DATE;
      case TIME: return Types.TIME;
      case TIMESTAMP: return Types.TIMESTAMP;
      default: return Types.OTHER;
    }
  }

  private static Object jdbcValue(ColumnDef c, Object v) {
    if (v == null) {
      return null;
    }
    switch (c.getType()) {
      case DATE:
        return Date.valueOf(LocalDate.ofEpochDay(((Number) v).longValue()));
      case TIME:
        return Time.valueOf(java.time.LocalTime.ofNanoOfDay(
            ((Number) v).longValue() * 1_000_000L));
      case TIMESTAMP:
        return Timestamp.valueOf(java.time.LocalDateTime.ofEpochSecond(
            Math.floorDiv(((Number) v).longValue(), 1000L),
            (int) Math.floorMod(((Number) v).longValue(), 1000L) * 1_000_000,
            java.time.ZoneOffset.UTC));
      case DECIMAL:
        return v instanceof BigDecimal ? v : new BigDecimal(v.toString());
      default:
        return v;
    }
  }
}
