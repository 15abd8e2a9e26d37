package io.tessera.jdbc.differential;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A table of the differential schema together with the rows generated for it. The rows are kept so that the
 * query generator can pick literals that actually occur in the data (hits for point lookups, IN lists, ...).
 */
final class Table {
    final String name;
    final String alias;
    final List<Column> columns;
    /** Primary-key column, or {@code null} for a table without a primary key. */
    final Column primaryKey;
    /** Tessera-only clauses appended after the column list (e.g. {@code SHARD BY HASH(id) SHARDS 6}). */
    final String tesseraClauses;
    /** Extra DDL (indexes), identical on both engines. */
    final List<String> extraDdl = new ArrayList<>();
    final List<Object[]> rows = new ArrayList<>();

    Table(String name, String alias, String primaryKey, String tesseraClauses, Column... columns) {
        this.name = name;
        this.alias = alias;
        this.columns = List.of(columns);
        this.primaryKey = primaryKey == null ? null : column(primaryKey);
        this.tesseraClauses = tesseraClauses;
    }

    Column column(String columnName) {
        for (Column c : columns) {
            if (c.name().equals(columnName)) {
                return c;
            }
        }
        throw new IllegalArgumentException(name + "." + columnName);
    }

    int indexOf(Column c) {
        return columns.indexOf(c);
    }

    String createTable(Dialect dialect) {
        String cols = columns.stream()
                .map(c -> c.name() + " " + c.sqlType()
                        + (c == primaryKey ? " PRIMARY KEY" : c.nullable() ? "" : " NOT NULL"))
                .collect(Collectors.joining(", "));
        String ddl = "CREATE TABLE " + name + " (" + cols + ")";
        if (dialect == Dialect.TESSERA && tesseraClauses != null) {
            ddl += " " + tesseraClauses;
        }
        return ddl;
    }

    String insertSql() {
        return "INSERT INTO " + name + " ("
                + columns.stream().map(Column::name).collect(Collectors.joining(", "))
                + ") VALUES (" + columns.stream().map(c -> "?").collect(Collectors.joining(", ")) + ")";
    }

    /** A query returning the full contents in a deterministic order where the table has a key. */
    String selectAll() {
        return "SELECT * FROM " + name + (primaryKey == null ? "" : " ORDER BY " + primaryKey.name());
    }

    @Override
    public String toString() {
        return name;
    }
}
