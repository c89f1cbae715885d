# ws_package: what `cmake --install` puts on a Debian system and the .deb CPack makes of it (tools/package.sh):
# the two programs, the CUDA backend beside them (loaded at run time, never required), the desktop entry, the
# AppStream metadata, the icons, man pages made from --help (help2man), the copyright and the changelog.
include(GNUInstallDirs)

set(WS_PROJECT_URL "https://github.com/whalesong-app/whalesong" CACHE STRING
    "Where the project is published (AppStream homepage, screenshots, the package's Homepage)")
set(WS_SCREENSHOT_URL "${WS_PROJECT_URL}/raw/main/docs/screenshots" CACHE STRING
    "Where docs/screenshots is served from (AppStream screenshots)")
set(WS_PACKAGE_MAINTAINER "The Whalesong developers <whalesong@whalesong.dev>" CACHE STRING
    "The .deb's Maintainer field")
set(WS_RELEASE_DATE "2026-12-05" CACHE STRING "The release date of PROJECT_VERSION (AppStream, changelog)")
set(WS_APP_ID "org.whalesong.Whalesong")

set(pkg ${PROJECT_SOURCE_DIR}/resources/packaging)
set(gen ${CMAKE_BINARY_DIR}/packaging)
execute_process(COMMAND date -u -R -d "${WS_RELEASE_DATE} 12:00:00"
                OUTPUT_VARIABLE WS_RELEASE_DATE_RFC2822 OUTPUT_STRIP_TRAILING_WHITESPACE)
configure_file(${pkg}/${WS_APP_ID}.metainfo.xml.in ${gen}/${WS_APP_ID}.metainfo.xml @ONLY)
configure_file(${pkg}/copyright.in ${gen}/copyright @ONLY)
configure_file(${pkg}/changelog.in ${gen}/changelog @ONLY)

# changelog.gz and the man pages, compressed as Debian wants them (gzip -9n: no name, no timestamp).
find_program(WS_GZIP gzip REQUIRED)
find_program(WS_HELP2MAN help2man)
set(WS_DOC_OUTPUTS ${gen}/changelog.gz)
add_custom_command(OUTPUT ${gen}/changelog.gz
  COMMAND ${WS_GZIP} -9n -c ${gen}/changelog > ${gen}/changelog.gz
  DEPENDS ${gen}/changelog VERBATIM)
# whalesong's --help (QCommandLineParser's) suits help2man; whalesong-cli's hand-laid-out usage is kept as it is.
# The programs run here only to print --help and --version (no window, no model).
find_package(Python3 REQUIRED COMPONENTS Interpreter)
add_custom_command(OUTPUT ${gen}/whalesong-cli.1.gz
  COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=0 ${Python3_EXECUTABLE}
          ${PROJECT_SOURCE_DIR}/tools/usage_to_man.py $<TARGET_FILE:whalesong-cli>
          "run, serve and inspect DeepSeek models from the command line" ${gen}/whalesong-cli.1
  COMMAND ${WS_GZIP} -9n -f ${gen}/whalesong-cli.1
  DEPENDS whalesong-cli ${PROJECT_SOURCE_DIR}/tools/usage_to_man.py VERBATIM)
list(APPEND WS_DOC_OUTPUTS ${gen}/whalesong-cli.1.gz)
install(FILES ${gen}/whalesong-cli.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
if(WS_HELP2MAN)
  add_custom_command(OUTPUT ${gen}/whalesong.1.gz
    COMMAND ${CMAKE_COMMAND} -E env QT_QPA_PLATFORM=offscreen ASAN_OPTIONS=detect_leaks=0
            ${WS_HELP2MAN} --no-info --section=1 "--name=desktop chat with DeepSeek models, and its data commands"
            --output=${gen}/whalesong.1 $<TARGET_FILE:whalesong>
    COMMAND ${WS_GZIP} -9n -f ${gen}/whalesong.1
    DEPENDS whalesong VERBATIM)
  list(APPEND WS_DOC_OUTPUTS ${gen}/whalesong.1.gz)
  install(FILES ${gen}/whalesong.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(STATUS "man page of whalesong: off (help2man not found; tools/install-deps.sh installs it)")
endif()
add_custom_target(ws_package_docs ALL DEPENDS ${WS_DOC_OUTPUTS})

install(TARGETS whalesong whalesong-cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(WS_HAVE_CUDA)
  # Found by the engine beside the program, in ../lib/<multiarch>/whalesong (engine/backends.cpp): a private
  # folder, which ldconfig leaves alone. It loads the CUDA driver at run time, so a computer without one runs on
  # the CPU and says why.
  if(CMAKE_LIBRARY_ARCHITECTURE)
    set(WS_PLUGIN_DIR lib/${CMAKE_LIBRARY_ARCHITECTURE}/whalesong)
  else()
    set(WS_PLUGIN_DIR lib/whalesong)
  endif()
  install(TARGETS whalesong_cuda LIBRARY DESTINATION ${WS_PLUGIN_DIR})
endif()
install(FILES ${pkg}/${WS_APP_ID}.desktop DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
install(FILES ${gen}/${WS_APP_ID}.metainfo.xml DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo)
install(FILES ${pkg}/whalesong.svg DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)
foreach(size IN LISTS WS_ICON_SIZES)
  install(FILES ${pkg}/icons/${size}x${size}/whalesong.png
          DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/${size}x${size}/apps)
endforeach()
install(FILES ${gen}/copyright ${gen}/changelog.gz DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The .deb: whalesong_<version>_amd64.deb, its dependencies computed by dpkg-shlibdeps from the binaries.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME whalesong)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "The Whalesong developers")
set(CPACK_PACKAGE_CONTACT "${WS_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${WS_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${WS_PROJECT_URL}")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
# The Chinese translations of Qt's own dialogs (Qt loads them from qt6-translations-l10n) and a CJK font.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "qt6-translations-l10n, fonts-noto-cjk | fonts-wqy-microhei")
# CPack puts the summary first: the Debian description's synopsis, then the long text.
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "desktop chat with DeepSeek models on your own computer")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "Whalesong runs DeepSeek-V3, R1 and V2 models (Hugging Face folders and GGUF
files) on the workstation's CPU or NVIDIA GPU, streams the answers and keeps
every conversation in SQLite, searchable and exportable. It can also answer
through DeepSeek's API or any OpenAI-compatible server, and serves the
OpenAI-compatible chat-completions API itself (whalesong-cli serve).
.
The interface is in English and Simplified Chinese (鲸歌).")
include(CPack)
