"""Problems: AVIV's RFC 7807 answers as typed exceptions.

``errors`` (the ``ApiError`` hierarchy), ``classify`` (an answer to its error class, by the
problem's ``type`` and title, never by its prose), ``unwrap`` (the parsed model or the typed
error, in one call) and ``duplicates`` (the classified a Duplicated Classified answer names).
Imported on first use of one of their names from ``aviv_caas_auth``.
"""
