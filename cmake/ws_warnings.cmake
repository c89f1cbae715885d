# ws_warnings: the warning flags for our own targets (third-party code is not affected).
add_library(ws_warnings INTERFACE)
target_compile_options(ws_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wold-style-cast -Wnon-virtual-dtor>)
if(WS_WERROR)
  target_compile_options(ws_warnings INTERFACE $<$<COMPILE_LANGUAGE:CXX>:-Werror>)
endif()
