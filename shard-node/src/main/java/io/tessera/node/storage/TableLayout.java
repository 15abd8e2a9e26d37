package io.tessera.node.storage;

import io.tessera.protocol.codec.ByteWriter;
import io.tessera.protocol.codec.KeyCodec;
import io.tessera.protocol.codec.RowCodec;
import io.tessera.protocol.proto.ColumnType;
import io.tessera.protocol.proto.IndexDef;
import io.tessera.protocol.proto.TableSchema;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one schema version means for the bytes of a replica: the row codec, the primary-key columns
 * and each secondary index's columns, and how to cut key tuples out of a decoded row. Immutable;
 * a schema change installs a new layout.
 */
public final class TableLayout {
    private final TableSchema schema;
    private final RowCodec rowCodec;
    private final ColumnType[] columnTypes;
    private final int[] pkColumns;
    private final ColumnType[] pkTypes;
    private final RowCodec pkCodec;
    private final Map<Integer, Index> indexes;

    /** A secondary index of the layout. */
    public record Index(int id, String name, int[] columns, ColumnType[] types, boolean unique) {}

    public TableLayout(TableSchema schema) {
        this.schema = schema;
        this.rowCodec = RowCodec.of(schema);
        this.columnTypes = rowCodec.types();
        if (schema.getPrimaryKeyCount() == 0) {
            throw new IllegalArgumentException("table " + schema.getName() + " has no primary key");
        }
        this.pkColumns = schema.getPrimaryKeyList().stream().mapToInt(Integer::intValue).toArray();
        this.pkTypes = typesOf(pkColumns);
        this.pkCodec = new RowCodec(pkTypes);
        Map<Integer, Index> idx = new LinkedHashMap<>();
        for (IndexDef d : schema.getIndexesList()) {
            if (d.getIndexId() <= 0) {
                throw new IllegalArgumentException("index " + d.getName() + " has id " + d.getIndexId());
            }
            int[] cols = d.getColumnsList().stream().mapToInt(Integer::intValue).toArray();
            idx.put(d.getIndexId(), new Index(d.getIndexId(), d.getName(), cols, typesOf(cols), d.getUnique()));
        }
        this.indexes = Collections.unmodifiableMap(idx);
    }

    private ColumnType[] typesOf(int[] ordinals) {
        ColumnType[] t = new ColumnType[ordinals.length];
        for (int i = 0; i < t.length; i++) {
            if (ordinals[i] < 0 || ordinals[i] >= columnTypes.length) {
                throw new IllegalArgumentException("column ordinal " + ordinals[i] + " out of range in " + schema.getName());
            }
            t[i] = columnTypes[ordinals[i]];
        }
        return t;
    }

    public TableSchema schema() {
        return schema;
    }

    public String tableName() {
        return schema.getName();
    }

    public long version() {
        return schema.getVersion();
    }

    public RowCodec rowCodec() {
        return rowCodec;
    }

    public ColumnType[] columnTypes() {
        return columnTypes.clone();
    }

    public int width() {
        return columnTypes.length;
    }

    public ColumnType[] pkTypes() {
        return pkTypes.clone();
    }

    public int[] pkColumns() {
        return pkColumns.clone();
    }

    /** Decodes primary-key tuples as the frontend sends them (RowCodec with the key column types). */
    public RowCodec pkCodec() {
        return pkCodec;
    }

    public Map<Integer, Index> indexes() {
        return indexes;
    }

    public Index index(int id) {
        return indexes.get(id);
    }

    public List<Index> uniqueIndexes() {
        List<Index> out = new ArrayList<>();
        for (Index i : indexes.values()) {
            if (i.unique()) {
                out.add(i);
            }
        }
        return out;
    }

    /** The KeyCodec tuple of the primary key of a full row. */
    public byte[] pkOfRow(Object[] row) {
        ByteWriter out = new ByteWriter(32);
        for (int i = 0; i < pkColumns.length; i++) {
            KeyCodec.encode(out, pkTypes[i], row[pkColumns[i]]);
        }
        return out.toByteArray();
    }

    /** The KeyCodec tuple of a key given as its column values (in key order). */
    public byte[] pkOfKey(Object[] keyValues) {
        return KeyCodec.encodeTuple(pkTypes, keyValues);
    }

    /** The KeyCodec tuple of {@code index}'s columns of a full row. */
    public static byte[] indexTuple(Index index, Object[] row) {
        ByteWriter out = new ByteWriter(32);
        for (int i = 0; i < index.columns().length; i++) {
            KeyCodec.encode(out, index.types()[i], row[index.columns()[i]]);
        }
        return out.toByteArray();
    }

    /** Whether any of {@code index}'s columns is NULL in {@code row} (such rows never collide). */
    public static boolean hasNull(Index index, Object[] row) {
        for (int c : index.columns()) {
            if (row[c] == null) {
                return true;
            }
        }
        return false;
    }

    public String columnName(int ordinal) {
        return schema.getColumns(ordinal).getName();
    }
}
