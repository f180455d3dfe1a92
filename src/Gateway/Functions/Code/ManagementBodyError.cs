namespace Gateway.Functions.Code;

/// <summary>
/// An answer the management API sends instead of doing the operation: the HTTP status, the error type (the
/// <c>x-amzn-ErrorType</c> header and the exception name SDKs raise) and AWS's message. A value, not an exception:
/// oversize uploads and corrupt zips are expected outcomes, not faults.
/// </summary>
internal readonly record struct ManagementBodyError(int Status, string ErrorType, string Message);

/// <summary>The errors this layer produces, with AWS's wording (sources in each comment).</summary>
internal static class CodeErrors
{
    /// <summary>Whole request over the operation's cap. Recorded against AWS for CreateFunction (LocalStack
    /// test_lambda_api.snapshot.json, test_oversized_request_create_lambda, 2025-11-25: 413, no <c>Type</c> member);
    /// the UpdateFunctionCode text is the same sentence with its own name, as users quote it from AWS.</summary>
    public static ManagementBodyError RequestTooLarge(long limit, string operation)
        => new(413, "RequestEntityTooLargeException", $"Request must be smaller than {limit} bytes for the {operation} operation");

    /// <summary>Decoded ZipFile over the zipped cap (LocalStack snapshot, test_oversized_zipped_create_lambda,
    /// 2025-11-25: 413 RequestEntityTooLargeException).</summary>
    public static ManagementBodyError ZippedTooLarge(long limit)
        => new(413, "RequestEntityTooLargeException", $"Zipped size must be smaller than {limit} bytes");

    /// <summary>Not a zip, or one that fails while being read (LocalStack snapshot, test_create_lambda_exceptions
    /// "invalid_zip_exc", 2026-01-12: 400 InvalidParameterValueException, <c>Type: User</c>).</summary>
    public static readonly ManagementBodyError CorruptZip
        = new(400, "InvalidParameterValueException", "Could not unzip uploaded file. Please check your file, then try to upload again.");

    /// <summary>Unzipped total over the cap (LocalStack snapshot, test_oversized_unzipped_lambda, 2025-11-25: 400).</summary>
    public static ManagementBodyError UnzippedTooLarge(long limit)
        => new(400, "InvalidParameterValueException", $"Unzipped size must be smaller than {limit} bytes");

    /// <summary>A body that is not JSON, or a ZipFile that is not base64. Lambda is rest-json, whose deserializer
    /// answers 400 <c>SerializationException</c>; the exact text AWS sends was not found in any recorded response,
    /// so this message is ours (UNCONFIRMED).</summary>
    public static ManagementBodyError Malformed(string detail)
        => new(400, "SerializationException", detail);
}
