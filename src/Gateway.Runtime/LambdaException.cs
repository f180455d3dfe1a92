namespace Gateway.Runtime;

/// <summary>
/// An exception that names its own Lambda <c>errorType</c> (e.g. <c>Runtime.HandlerNotFound</c>) instead
/// of being reported under its CLR type name. Thrown from a handler it becomes the invocation's error;
/// thrown while the handler is being created it becomes the init error.
/// </summary>
public class LambdaException : Exception
{
    public LambdaException(string errorType, string message) : base(message) => ErrorType = errorType;

    public LambdaException(string errorType, string message, Exception? innerException)
        : base(message, innerException) => ErrorType = errorType;

    /// <summary>The value of <c>errorType</c> in the error document and of the
    /// <c>Lambda-Runtime-Function-Error-Type</c> header.</summary>
    public string ErrorType { get; }
}
