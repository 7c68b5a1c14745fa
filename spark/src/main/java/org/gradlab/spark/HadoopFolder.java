package org.gradlab.spark;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.gradlab.experiment.engine.RunStore;

/**
 * A {@link RunStore.Folder} on any filesystem Hadoop reaches ({@code hdfs://}, {@code s3a://} with
 * hadoop-aws on the class path, {@code file://}, ...), through its {@link FileSystem} API. A file
 * is written whole into a hidden temporary beside it ({@code .NAME.RANDOM.tmp}), then renamed to
 * its name. Where the rename cannot replace a file (HDFS), the old file is deleted first: a reader
 * may then find no file for a moment, never part of one. Local files are written without Hadoop's
 * {@code .crc} side files.
 */
final class HadoopFolder implements RunStore.Folder {
    private final FileSystem fs;
    private final Path dir;

    private HadoopFolder(FileSystem fs, Path dir) {
        this.fs = fs;
        this.dir = dir;
    }

    /** The folder at {@code uri}, created if missing and checked by writing and removing a file. */
    static HadoopFolder open(String uri, Configuration conf) throws IOException {
        URI u;
        try {
            u = new URI(uri);
        } catch (URISyntaxException e) {
            throw new IOException("not a URI: " + e.getMessage(), e);
        }
        FileSystem fs = FileSystem.get(u, conf);
        if (fs instanceof LocalFileSystem local) {
            fs = local.getRawFileSystem();
        }
        Path dir = fs.makeQualified(new Path(u));
        if (fs.exists(dir) && !fs.getFileStatus(dir).isDirectory()) {
            throw new IOException(dir + " is a file, expected a folder");
        }
        if (!fs.mkdirs(dir)) {
            throw new IOException("cannot create " + dir);
        }
        HadoopFolder folder = new HadoopFolder(fs, dir);
        Path probe = folder.temporary(".probe");
        try (OutputStream out = fs.create(probe, false)) {
            out.write(0);
        }
        fs.delete(probe, false);
        return folder;
    }

    @Override
    public long size(String name) throws IOException {
        FileStatus s;
        try {
            s = fs.getFileStatus(new Path(dir, name));
        } catch (FileNotFoundException e) {
            return -1;
        }
        if (!s.isFile()) {
            throw new RunStore.NotAFile();
        }
        return s.getLen();
    }

    @Override
    public byte[] read(String name, int bytes) throws IOException {
        try (InputStream in = fs.open(new Path(dir, name))) {
            return in.readNBytes(bytes);
        }
    }

    @Override
    public void write(String name, byte[] bytes) throws IOException {
        Path target = new Path(dir, name);
        Path tmp = temporary("." + name);
        try {
            try (OutputStream out = fs.create(tmp, false)) {
                out.write(bytes);
            }
            if (!fs.rename(tmp, target)) {
                if (!fs.exists(target) || !fs.delete(target, false) || !fs.rename(tmp, target)) {
                    throw new IOException("could not rename " + tmp + " to " + target);
                }
            }
        } finally {
            if (fs.exists(tmp)) {
                fs.delete(tmp, false);
            }
        }
    }

    @Override
    public String where(String name) {
        return new Path(dir, name).toString();
    }

    private Path temporary(String prefix) {
        return new Path(dir, prefix + "." + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
    }
}
