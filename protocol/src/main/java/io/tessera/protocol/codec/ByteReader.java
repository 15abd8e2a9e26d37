package io.tessera.protocol.codec;

/** Reads what {@link ByteWriter} wrote, from a position in a byte array. */
public final class ByteReader {
    private final byte[] buf;
    private int pos;

    public ByteReader(byte[] buf, int pos) {
        this.buf = buf;
        this.pos = pos;
    }

    public int position() {
        return pos;
    }

    public boolean hasMore() {
        return pos < buf.length;
    }

    public int get() {
        return buf[pos++] & 0xFF;
    }

    public int peek() {
        return buf[pos] & 0xFF;
    }

    public byte[] get(int n) {
        byte[] out = new byte[n];
        System.arraycopy(buf, pos, out, 0, n);
        pos += n;
        return out;
    }

    public short getShort() {
        int v = (buf[pos] & 0xFF) << 8 | (buf[pos + 1] & 0xFF);
        pos += 2;
        return (short) v;
    }

    public int getInt() {
        int v = 0;
        for (int i = 0; i < 4; i++) {
            v = v << 8 | (buf[pos++] & 0xFF);
        }
        return v;
    }

    public long getLong() {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = v << 8 | (buf[pos++] & 0xFF);
        }
        return v;
    }

    public int getVarInt() {
        int v = 0;
        for (int shift = 0; ; shift += 7) {
            int b = buf[pos++];
            v |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
    }
}
