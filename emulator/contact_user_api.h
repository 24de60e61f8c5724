// ContactUserApi: Feishu contact v3 "update user", PUT (all fields) and PATCH (some fields)
// /open-apis/contact/v3/users/:user_id, as docs/api/feishu-contact-user-update-put.md describes.
//
// It holds the tenant's users (from the fixture), their current fields, the indexes that make
// mobiles and e-mail addresses unique, and the member count of each department. PUT ("update all
// user information") replaces the user: every member absent from the body is erased, including
// those a client may not hold (avatar_key, orders, custom_attrs); PATCH merges the body into the
// user's fields. Every error a request can cause
// is answered with the document's status, code and message (see the table in the .cpp file).
// Two updates of one user that overlap in time collide: the later one gets 44025, as long as the
// earlier one's reply (with its added latency) has not been delivered.
//
// It also serves the reads (GET users/batch, at most 50 ids, ids it does not hold simply absent
// from `items`; GET users/:user_id) and the create (POST users, with `client_token` idempotence:
// a token seen with a successful create answers that create again and creates nothing), and an
// administrator's console edit (edit()), which changes a user behind the client's back.
//
// Thread-safety: none, except that the hold in a result may be released from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include <boost/json/object.hpp>

#include "emulator/api_result.h"
#include "emulator/fixture.h"

namespace hrsync::emulator {

struct ContactUserRules {
  bool certified_tenant = true;          // false: only +86 mobiles are accepted (44019)
  bool lark = false;                     // Lark: mobile optional, +86 mobiles refused (44018)
  unsigned department_user_limit = 500;  // most users in one department (41016); 0 = no limit
};

class ContactUserApi {
 public:
  explicit ContactUserApi(ContactUserRules rules);

  // Replaces every user with the fixture's.
  void load(const Fixture& fixture);

  // Handles PUT or PATCH of one user.
  ApiResult update(const ApiRequest& request);

  // Handles GET users/batch (request.collection) and GET users/:user_id.
  ApiResult read(const ApiRequest& request);

  // Handles POST users.
  ApiResult create(const ApiRequest& request);

  // A console edit of `user_id`: `set`'s members merged into the user (null erases one).
  // Returns "" or why it cannot be made (no such user).
  std::string edit(std::string_view user_id, const boost::json::object& set);

  // user_id -> how many users were created with it since load() (a duplicate shows as 2).
  boost::json::object created() const;

  // user_id -> every field the user holds now, for the users written since load(): after a PUT
  // the body alone, after a PATCH the fields before (fixture or earlier writes) with the body
  // merged in.
  boost::json::object state() const;

  std::size_t size() const { return users_.size(); }

 private:
  struct User {
    std::string user_id, open_id, union_id, status;
    bool tenant_founder = false;
    boost::json::object fields;          // what the user holds now (fixture, then writes)
    bool written = false;                // a write succeeded since load()
  };
  struct InFlight;

  User* find(std::string_view id, std::string_view id_type);
  static boost::json::object updated_fields(const User& user, const boost::json::object& body, bool put);
  std::optional<ApiResult> check_body(const boost::json::object& body, const boost::json::object& next, bool put,
                                      const User& user, std::string_view path_id) const;
  void apply(User& user, boost::json::object next);
  std::optional<ApiResult> check_fields(const boost::json::object& body, bool put, std::string_view path_id) const;
  std::optional<ApiResult> check_mobile_email(const boost::json::object& body, const boost::json::object& next, bool put) const;
  std::optional<ApiResult> check_departments(const boost::json::object& body, bool put, const User& user) const;
  std::optional<ApiResult> check_custom_attrs(const boost::json::object& body) const;
  std::optional<ApiResult> check_unique(const boost::json::object& next, const User& user) const;
  void index(const User& user, int delta);
  boost::json::object user_object(const User& user) const;
  std::optional<ApiResult> check_create(const boost::json::object& body, const std::string& user_id) const;
  ApiResult insert_created(const boost::json::object& body, std::string user_id);
  std::shared_ptr<void> hold(const std::string& user_id);

  ContactUserRules rules_;
  std::unordered_map<std::string, User> users_;                 // by user_id
  std::unordered_map<std::string, std::string> by_open_id_, by_union_id_;
  std::unordered_map<std::string, std::string> mobiles_, emails_, enterprise_emails_;  // key -> user_id
  std::unordered_map<std::string, std::size_t> department_members_;
  std::unordered_set<std::string> departments_, custom_attrs_, mail_domains_;
  std::unordered_set<std::int64_t> employee_types_;  // empty = the five standard types
  std::shared_ptr<InFlight> in_flight_;
  struct Answered {
    std::string body;  // the create's body, serialized
    ApiResult answer;  // what it was answered
  };
  std::unordered_map<std::string, Answered> client_tokens_;  // client_token -> its successful create
  std::unordered_map<std::string, std::size_t> created_;      // user_id -> creates
  std::uint64_t next_generated_id_ = 0;
};

}  // namespace hrsync::emulator
