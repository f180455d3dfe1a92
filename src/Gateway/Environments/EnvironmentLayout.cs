namespace Gateway.Environments;

/// <summary>
/// The paths one execution environment's process sees its pieces at: its code (LAMBDA_TASK_ROOT), the merged
/// layers (/opt), the runtime's own files (LAMBDA_RUNTIME_DIR) and its private temporary folder. Inside a mount
/// namespace these are Lambda's own paths (<c>/var/task</c>, <c>/opt</c>, <c>/var/runtime</c>, <c>/tmp</c>);
/// without one they are the host folders themselves.
/// </summary>
/// <param name="TaskRoot">The function's code, as the process sees it.</param>
/// <param name="OptDirectory">The function's layers merged in order, as the process sees them (may be empty).</param>
/// <param name="RuntimeDirectory">The runtime's files (its bootstrap, interface client, SDK), as the process sees them.</param>
/// <param name="TmpDirectory">The environment's private writable folder, as the process sees it.</param>
internal sealed record EnvironmentLayout(string TaskRoot, string OptDirectory, string RuntimeDirectory, string TmpDirectory);
