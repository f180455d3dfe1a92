// These tests inspect the state of an invocation's ValueTask on purpose (pending, completed, stale after Reset).
#pragma warning disable CA2012

using Gateway.Invocations;
using Gateway.UnitTests.Support;

namespace Gateway.UnitTests;

public class InvocationTests
{
    /// <summary>Races <paramref name="threads"/> threads, released together by a barrier, to claim one invocation.</summary>
    private static int ClaimRace(Invocation invocation, int threads)
    {
        int winners = 0;
        using var barrier = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            if (!barrier.SignalAndWait(TimeoutExtensions.Default))
            {
                throw new TimeoutException("barrier");
            }
            if (invocation.TryClaimCompletion())
            {
                Interlocked.Increment(ref winners);
            }
        })).ToList();
        workers.ForEach(t => t.Start());
        foreach (var t in workers)
        {
            Assert.True(t.Join(TimeoutExtensions.Default), "worker thread hung");
        }
        return winners;
    }

    [Fact]
    public void Claim_is_granted_once()
    {
        var invocation = new Invocation();
        Assert.True(invocation.TryClaimCompletion());
        Assert.False(invocation.TryClaimCompletion());
        Assert.False(invocation.TryClaimCompletion());
    }

    [Fact]
    public void Claim_is_granted_once_across_eight_racing_threads()
    {
        var invocation = new Invocation();
        for (int round = 0; round < 50; round++)
        {
            Assert.Equal(1, ClaimRace(invocation, 8));
            invocation.Reset();
        }
    }

    [Fact]
    public async Task WaitAsync_completes_after_Complete()
    {
        var invocation = new Invocation();
        var wait = invocation.WaitAsync();
        Assert.False(wait.IsCompleted);
        var task = wait.AsTask();
        Assert.False(task.IsCompleted);
        Assert.True(invocation.TryClaimCompletion());
        invocation.Complete();
        await task.WithTimeout();
        Assert.True(task.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task WaitAsync_after_Complete_is_already_done()
    {
        var invocation = new Invocation();
        invocation.Complete();
        var wait = invocation.WaitAsync();
        Assert.True(wait.IsCompleted);
        await wait.WithTimeout();
    }

    [Fact]
    public async Task Continuations_do_not_run_inline_on_the_completing_thread()
    {
        var invocation = new Invocation();
        var ranOn = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        // Registered from a pool thread, where there is no synchronization context to post to.
        await Task.Run(() => invocation.WaitAsync().GetAwaiter().OnCompleted(() => ranOn.SetResult(Environment.CurrentManagedThreadId))).WithTimeout();
        // Complete on a dedicated (non-pool) thread: an inline continuation would run on it, an asynchronous one cannot.
        int completingThread = -1;
        var thread = new Thread(() =>
        {
            completingThread = Environment.CurrentManagedThreadId;
            invocation.Complete();
        });
        thread.Start();
        Assert.True(thread.Join(TimeoutExtensions.Default));
        Assert.NotEqual(completingThread, await ranOn.Task.WithTimeout());
    }

    [Fact]
    public async Task Reset_makes_it_reusable()
    {
        var invocation = new Invocation();
        for (int use = 0; use < 3; use++)
        {
            var wait = invocation.WaitAsync().AsTask();
            Assert.False(wait.IsCompleted);
            Assert.True(invocation.TryClaimCompletion(), $"use {use}: claim refused after Reset");
            Assert.False(invocation.TryClaimCompletion());
            invocation.Complete();
            await wait.WithTimeout();
            invocation.Reset();
        }
    }

    [Fact]
    public void A_wait_from_before_Reset_is_stale()
    {
        var invocation = new Invocation();
        var stale = invocation.WaitAsync();
        invocation.Complete();
        invocation.Reset();
        Assert.Throws<InvalidOperationException>(() => stale.IsCompleted);
    }

    [Fact]
    public void Reset_clears_every_field()
    {
        var invocation = new Invocation
        {
            RequestId = "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
            Type = InvocationType.Event,
            InvokedFunctionArn = "arn:aws:lambda:us-east-1:123456789012:function:f",
            TraceId = "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700",
            ClientContext = "{}",
            WantsLogTail = true,
            LogTail = "AAAA",
        };
        invocation.Request.Write([1, 2, 3]);
        invocation.Response.Write([4]);
        invocation.SetError("Runtime.ExitError");
        Assert.Equal("Unhandled", invocation.FunctionError);
        Assert.Equal("Runtime.ExitError", invocation.ErrorType);
        Assert.True(invocation.TryClaimCompletion());
        invocation.Complete();

        invocation.Reset();

        Assert.Equal("", invocation.RequestId);
        Assert.Equal("", invocation.InvokedFunctionArn);
        Assert.Equal("", invocation.TraceId);
        Assert.Null(invocation.ClientContext);
        Assert.False(invocation.WantsLogTail);
        Assert.Null(invocation.LogTail);
        Assert.Null(invocation.FunctionError);
        Assert.Null(invocation.ErrorType);
        Assert.Equal(0, invocation.Request.Length);
        Assert.Equal(0, invocation.Response.Length);
        Assert.False(invocation.WaitAsync().IsCompleted);
        Assert.True(invocation.TryClaimCompletion());
    }

    [Fact]
    public void ReplaceResponse_swaps_the_payload_object()
    {
        var invocation = new Invocation();
        var body = new PooledPayload();
        body.Write([7, 8]);
        invocation.ReplaceResponse(body);
        Assert.Same(body, invocation.Response);
        Assert.Equal(new byte[] { 7, 8 }, invocation.Response.ToArray());
        invocation.Reset();
        Assert.Equal(0, body.Length);
    }

    [Fact]
    public void Request_id_bytes_hold_a_formatted_guid()
    {
        var invocation = new Invocation();
        var id = Guid.Parse("8476a536-e9f4-11e8-9739-2dfe598c3fcd");
        Assert.True(id.TryFormat(invocation.RequestIdBytes, out int written));
        Assert.Equal(36, written);
        Assert.Equal("8476a536-e9f4-11e8-9739-2dfe598c3fcd"u8.ToArray(), invocation.RequestIdBytes);
    }

    [Fact]
    public void A_held_completion_is_published_only_when_released()
    {
        var invocation = new Invocation();
        var wait = invocation.WaitAsync();
        invocation.HoldCompletion();
        Assert.True(invocation.TryClaimCompletion());
        invocation.Complete();
        Assert.False(wait.IsCompleted);
        invocation.ReleaseCompletion();
        Assert.True(wait.IsCompleted);
    }

    [Fact]
    public void Releasing_a_hold_nobody_completed_publishes_nothing()
    {
        var invocation = new Invocation();
        invocation.HoldCompletion();
        invocation.ReleaseCompletion();
        Assert.False(invocation.WaitAsync().IsCompleted);
        invocation.Complete(); // no longer held
        Assert.True(invocation.WaitAsync().IsCompleted);
    }

    [Fact]
    public async Task CompleteInline_runs_the_waiter_on_the_completing_thread_until_Reset()
    {
        var invocation = new Invocation { CompleteInline = true };
        int completingThread = 0, resumedThread = -1;
        async Task WaitThenRecordAsync()
        {
            await invocation.WaitAsync().ConfigureAwait(false);
            resumedThread = Environment.CurrentManagedThreadId;
        }
        var waiter = WaitThenRecordAsync(); // subscribed by the time it returns: the wait is pending
        Assert.False(waiter.IsCompleted);
        var completer = new Thread(() =>
        {
            completingThread = Environment.CurrentManagedThreadId;
            invocation.Complete();
        });
        completer.Start();
        Assert.True(completer.Join(TimeoutExtensions.Default));
        await waiter.WithTimeout();
        Assert.Equal(completingThread, resumedThread);
        invocation.Reset();
        Assert.False(invocation.CompleteInline); // a pooled invocation starts asynchronous again
    }
}
