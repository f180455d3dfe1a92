using System.ComponentModel;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Gateway.Native;

/// <summary>
/// Where a worker's stdout and stderr go: one Unix socketpair, so the two keep the order they were written in and
/// the gateway reads them with epoll instead of a blocked thread per pipe. The gateway keeps <see cref="Reader"/>;
/// <see cref="WriterFd"/> becomes the worker's descriptors 1 and 2 and is closed in the gateway once the worker
/// has it (<see cref="CloseWriter"/>), so the reader sees the end of the stream when the worker exits.
/// </summary>
/// <remarks>Created before the worker, so the environment's log stream exists before its runtime can call.</remarks>
internal sealed unsafe class OutputChannel
{
    private OutputChannel(Socket reader, int writerFd)
    {
        Reader = reader;
        WriterFd = writerFd;
    }

    public Socket Reader { get; }

    /// <summary>The worker's end; -1 once closed.</summary>
    public int WriterFd { get; private set; }

    public static OutputChannel Create()
    {
        int* fds = stackalloc int[2];
        // CLOEXEC on both: only the worker it is meant for gets the writer, through dup2 onto 1 and 2.
        if (LibC.socketpair(LibC.AF_UNIX, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, 0, fds) != 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), "socketpair failed");
        }
        var reader = new Socket(new SafeSocketHandle((IntPtr)fds[0], ownsHandle: true));
        return new OutputChannel(reader, fds[1]);
    }

    public void CloseWriter()
    {
        if (WriterFd >= 0)
        {
            LibC.close(WriterFd);
            WriterFd = -1;
        }
    }
}
