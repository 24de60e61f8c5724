#include "engine/net/base_url.h"

#include <gtest/gtest.h>

namespace hrsync {
namespace {

TEST(BaseUrl, HttpsWithDefaultPort) {
  auto url = parse_base_url("https://open.feishu.cn");
  ASSERT_TRUE(url) << url.error().str();
  EXPECT_TRUE(url->tls);
  EXPECT_EQ(url->host, "open.feishu.cn");
  EXPECT_EQ(url->port, 443);
  EXPECT_EQ(url->prefix, "");
  EXPECT_EQ(url->host_header(), "open.feishu.cn");
  EXPECT_EQ(url->authority(), "open.feishu.cn:443");
  EXPECT_FALSE(url->host_is_address());
}

TEST(BaseUrl, PlainHttpOnlyWhenNamed) {
  auto url = parse_base_url("http://192.168.1.180:5555");
  ASSERT_TRUE(url) << url.error().str();
  EXPECT_FALSE(url->tls);
  EXPECT_EQ(url->host, "192.168.1.180");
  EXPECT_EQ(url->port, 5555);
  EXPECT_EQ(url->host_header(), "192.168.1.180:5555");
  EXPECT_TRUE(url->host_is_address());
}

TEST(BaseUrl, PrefixLosesItsTrailingSlash) {
  auto url = parse_base_url("HTTPS://gw.example.com:8443/proxy/");
  ASSERT_TRUE(url) << url.error().str();
  EXPECT_EQ(url->prefix, "/proxy");
  EXPECT_EQ(url->str(), "https://gw.example.com:8443/proxy");
}

TEST(BaseUrl, Ipv6Literal) {
  auto url = parse_base_url("http://[::1]:8080");
  ASSERT_TRUE(url) << url.error().str();
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->authority(), "[::1]:8080");
  EXPECT_TRUE(url->host_is_address());
}

TEST(BaseUrl, RefusesWhatIsNotABaseUrl) {
  for (const char* bad : {"open.feishu.cn", "ftp://x", "https://", "https://:443", "https://h:0", "https://h:70000",
                          "https://h:12ab", "https://u@h", "https://h/?q", "http://[::1", "http://[nothost]:1"}) {
    auto url = parse_base_url(bad, "job.toml:3 feishu.base_url");
    ASSERT_FALSE(url) << bad;
    EXPECT_EQ(url.error().kind, Error::Kind::kConfig);
    EXPECT_EQ(url.error().where, "job.toml:3 feishu.base_url");
    EXPECT_NE(url.error().message.find(bad), std::string::npos) << url.error().message;
  }
}

}  // namespace
}  // namespace hrsync
