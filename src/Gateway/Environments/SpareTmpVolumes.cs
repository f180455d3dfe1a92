using Gateway.Functions;

namespace Gateway.Environments;

/// <summary>
/// One pool's /tmp volumes that reset environments left (<see cref="TmpVolume"/>): each waits for the next environment
/// of the same code and configuration, as a reset Lambda environment keeps its /tmp for its next init. Bounded: more
/// than <see cref="MaxKept"/> waiting (a function that keeps failing while nothing takes them) are released, the oldest
/// first; so are those of replaced code, and any left unused longer than the keep-alive (<see cref="ReleaseIdle"/>).
/// </summary>
internal sealed class SpareTmpVolumes
{
    /// <summary>More than the environments a function usually runs at once; each is at most its EphemeralStorage of
    /// memory, and only what the function wrote.</summary>
    public const int MaxKept = 64;

    private readonly Lock _lock = new();
    private readonly List<TmpVolume> _kept = [];
    private readonly TimeProvider _time;

    public SpareTmpVolumes(TimeProvider time) => _time = time;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _kept.Count;
            }
        }
    }

    /// <summary>Keeps <paramref name="tmp"/> when it belongs to <paramref name="current"/> (the pool's code now). False:
    /// the caller releases it. <paramref name="evicted"/>: the oldest kept one, pushed out past <see cref="MaxKept"/>,
    /// for the caller to release (outside its own lock: an unmount).</summary>
    public bool Keep(TmpVolume tmp, FunctionDefinition current, out TmpVolume? evicted)
    {
        evicted = null;
        if (!ReferenceEquals(tmp.Function, current))
        {
            return false;
        }
        lock (_lock)
        {
            tmp.KeptSince = _time.GetTimestamp();
            _kept.Add(tmp);
            if (_kept.Count > MaxKept)
            {
                evicted = _kept[0];
                _kept.RemoveAt(0);
            }
        }
        return true;
    }

    /// <summary>The most recently kept volume of <paramref name="function"/>, or null.</summary>
    public TmpVolume? Take(FunctionDefinition function)
    {
        lock (_lock)
        {
            for (int i = _kept.Count - 1; i >= 0; i--)
            {
                if (ReferenceEquals(_kept[i].Function, function))
                {
                    var tmp = _kept[i];
                    _kept.RemoveAt(i);
                    return tmp;
                }
            }
        }
        return null;
    }

    /// <summary>Releases every kept volume (the pool stops, or its code changed).</summary>
    public void ReleaseAll() => Release(static _ => true);

    /// <summary>Releases the volumes kept longer than <paramref name="keepAlive"/> and those of code other than
    /// <paramref name="current"/>.</summary>
    public void ReleaseIdle(TimeSpan keepAlive, FunctionDefinition current)
    {
        long now = _time.GetTimestamp();
        Release(tmp => !ReferenceEquals(tmp.Function, current) || _time.GetElapsedTime(tmp.KeptSince, now) >= keepAlive);
    }

    private void Release(Func<TmpVolume, bool> which)
    {
        List<TmpVolume>? released = null;
        lock (_lock)
        {
            for (int i = _kept.Count - 1; i >= 0; i--)
            {
                if (which(_kept[i]))
                {
                    (released ??= []).Add(_kept[i]);
                    _kept.RemoveAt(i);
                }
            }
        }
        foreach (var tmp in released ?? [])
        {
            tmp.Release(); // outside the lock: an unmount and a folder's removal
        }
    }
}
