using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Gateway.Native;

namespace Gateway.Logs;

/// <summary>
/// The writer's side of a stream's <see cref="StreamIndex"/>: records are stored into a shared mapping of the index
/// file instead of being written with <c>pwrite(2)</c>. A store into a <c>MAP_SHARED</c> page is in the page cache the
/// moment it is made (what a reader's <c>read(2)</c> returns, and what a SIGKILL of the gateway does not lose), so a
/// record is there before the invocation's lines are written, as before, without a system call of its own: the
/// invocation's log costs one write (its lines) instead of two.
/// </summary>
/// <remarks>
/// The file is grown ahead of the records in steps (the mapping cannot reach past the file's end), so between the last
/// record and the file's end are zero bytes: a record with time 0 is no record (<see cref="StreamIndex.ReadRecords"/>
/// stops there), and a clean close cuts the file back to its records. After a crash the zeros stay; a reader skips
/// them, and a writer that opens the file again starts after the last record.
/// <para>
/// A file system that cannot map the file for writing (some network and FUSE mounts) gets each record written with
/// <c>pwrite(2)</c> as it is appended instead: the same file, the same guarantee, one system call more per record.
/// </para>
/// </remarks>
internal sealed unsafe class MappedStreamIndex : IDisposable
{
    /// <summary>The first step: 4,096 records, one page's worth of directory entries and a few seconds of a busy stream.</summary>
    private const long FirstStep = 64 * 1024;
    /// <summary>Steps double up to this, so a long-lived busy stream remaps rarely without reserving much.</summary>
    private const long LargestStep = 1024 * 1024;

    private readonly FileStream _file;
    private byte* _base;   // the mapping of [0, _capacity), or null
    private long _capacity;
    private long _end;
    private long _step = FirstStep;
    private bool _mapped;

    /// <param name="path">The index file; created with <paramref name="header"/> when it is new or empty.</param>
    /// <param name="map">False: write each record instead of mapping the file (tests; what a mount that cannot map gets).</param>
    public MappedStreamIndex(string path, byte[] header, bool map = true)
    {
        _file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        if (_file.Length == 0)
        {
            _file.Write(header); // the stream is listed from its header: visible at once
            _end = header.Length;
        }
        else
        {
            _end = StreamIndex.RecordsEnd(_file);
        }
        if (map)
        {
            try
            {
                Map(Math.Max(_file.Length, _end + _step));
                _mapped = true;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Unmap(); // e.g. ENODEV: records are written one by one instead
            }
        }
    }

    /// <summary>Whether records are stored into a mapping (false: written with pwrite).</summary>
    public bool IsMapped => _mapped;

    /// <summary>Where the next record goes (the header and the records before it).</summary>
    public long Length => _end;

    /// <summary>Appends one record (under the caller's lock): offset first, then the time, so a reader never sees a
    /// time beside a torn offset (x86-64 keeps stores in order; a time of 0 ends the records).</summary>
    public void Append(long offset, long unixMs)
    {
        if (_mapped && _end + StreamIndex.RecordSize > _capacity && !TryGrow())
        {
            _mapped = false; // the file could not be grown or mapped again (a full disk): write from here on
        }
        if (!_mapped)
        {
            Span<byte> written = stackalloc byte[StreamIndex.RecordSize];
            BinaryPrimitives.WriteInt64LittleEndian(written, offset);
            BinaryPrimitives.WriteInt64LittleEndian(written[8..], unixMs);
            try
            {
                RandomAccess.Write(_file.SafeFileHandle, written, _end);
                _end += StreamIndex.RecordSize;
            }
            catch (IOException)
            {
                // A full disk: the record is dropped (the lines around it keep the times of the records before), and
                // the log goes on; the stream's file reports the disk (EnvironmentLog.WriteFailed).
            }
            return;
        }
        byte* record = _base + _end;
        BinaryPrimitives.WriteInt64LittleEndian(new Span<byte>(record, 8), offset);
        Volatile.Write(ref *(long*)(record + 8), BitConverter.IsLittleEndian ? unixMs : BinaryPrimitives.ReverseEndianness(unixMs));
        _end += StreamIndex.RecordSize;
    }

    private bool TryGrow()
    {
        Unmap();
        _step = Math.Min(_step * 2, LargestStep);
        try
        {
            Map(_end + _step);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Unmap();
            return false;
        }
    }

    /// <remarks>mmap and munmap directly (LibC.Mapping.cs): unmapping must not write the pages back synchronously, since
    /// it runs on the thread that completes invocations.</remarks>
    private void Map(long capacity)
    {
        if (_file.Length < capacity)
        {
            // Blocks reserved now, not sparse: a store into a mapped page that has no block on a full disk is a SIGBUS,
            // which would end the gateway; a reservation that fails is an IOException here (records are then written).
            long from = _file.Length;
            int error = LibC.posix_fallocate((int)_file.SafeFileHandle.DangerousGetHandle(), from, capacity - from);
            if (error != 0)
            {
                throw new IOException($"the log index could not be grown (errno {error})");
            }
        }
        void* pointer = LibC.mmap(null, (nuint)capacity, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED,
            (int)_file.SafeFileHandle.DangerousGetHandle(), 0);
        if (pointer == LibC.MAP_FAILED)
        {
            throw new IOException($"mmap of the log index failed (errno {Marshal.GetLastPInvokeError()})");
        }
        _base = (byte*)pointer;
        _capacity = capacity;
    }

    private void Unmap()
    {
        if (_base is not null)
        {
            _ = LibC.munmap(_base, (nuint)_capacity);
            _base = null;
        }
    }

    /// <summary>Unmaps and cuts the file back to its header and records.</summary>
    public void Dispose()
    {
        Unmap();
        try
        {
            _file.SetLength(_end);
        }
        catch (IOException)
        {
            // a full or failing disk: the zero records after the end are skipped by every reader anyway
        }
        _file.Dispose();
    }
}
